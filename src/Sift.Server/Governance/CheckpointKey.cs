using System.Security.Cryptography;

namespace Sift.Server.Governance;

/// <summary>
/// The key that signs evidence checkpoints on this machine: an ECDSA P-256 private key in a PEM file readable only by
/// its owner, at <c>$SIFT_CHECKPOINT_KEY</c> or else <c>~/.config/sift/checkpoint-key.pem</c>, created on first use.
/// Its id (printed by <c>sift verify</c>) is what an auditor pins with <c>--key-id</c>; the private half never leaves
/// the file.
/// </summary>
public static class CheckpointKey
{
    /// <summary>The environment variable naming the key file.</summary>
    public const string EnvironmentVariable = "SIFT_CHECKPOINT_KEY";

    /// <summary>Where the key lives on this machine.</summary>
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "sift", "checkpoint-key.pem");

    /// <summary>Loads the key at <paramref name="path"/>, creating it (owner-only) when the file does not exist.</summary>
    /// <exception cref="SiftException">The file exists but holds no usable EC private key.</exception>
    public static ECDsa LoadOrCreate(string? path = null)
    {
        path ??= DefaultPath;
        var key = ECDsa.Create();
        try
        {
            if (File.Exists(path))
            {
                try
                {
                    key.ImportFromPem(File.ReadAllText(path));
                }
                catch (Exception e) when (e is ArgumentException or CryptographicException)
                {
                    throw new SiftException($"{path}: not an EC private key in PEM form ({e.Message}); move it away to have a new key made.", e);
                }
                return key;
            }
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(key.ExportPkcs8PrivateKeyPem());
            }
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made the key first: use theirs.
                File.Delete(temp);
                key.ImportFromPem(File.ReadAllText(path));
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
