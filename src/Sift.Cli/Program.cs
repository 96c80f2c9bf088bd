return Sift.Cli.SiftApp.Run(args);
