using Sift.Bench;

return BenchApp.Run(args);
