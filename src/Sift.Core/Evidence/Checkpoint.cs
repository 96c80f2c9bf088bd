using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sift.Evidence;

/// <summary>
/// A signed statement "entry <see cref="Seq"/> of log <see cref="Scope"/> had hash <see cref="Hash"/> at
/// <see cref="At"/>", kept outside the log (a checkpoint file, an export) so that a cut tail or a consistent rewrite of
/// the whole chain is caught. Signed with ECDSA P-256 / SHA-256; the public key travels with it, and
/// <see cref="KeyId"/> (the first 16 hex digits of the SHA-256 of the key) is what an auditor pins.
/// </summary>
/// <param name="Scope">Which log: <c>simulation</c>, or <c>project:ID</c> for a server project.</param>
/// <param name="Seq">The entry it covers.</param>
/// <param name="Hash">That entry's hash.</param>
/// <param name="At">When it was signed (injected clock).</param>
/// <param name="KeyId">The signing key's id.</param>
/// <param name="PublicKey">The signing key's public half (SubjectPublicKeyInfo, base64).</param>
/// <param name="Signature">The signature (IEEE P1363, base64) over <see cref="Payload"/>.</param>
public sealed record Checkpoint(string Scope, long Seq, string Hash, DateTimeOffset At, string KeyId, string PublicKey, string Signature)
{
    /// <summary>Signs a checkpoint of entry <paramref name="seq"/> with <paramref name="key"/> (a P-256 key with its private half).</summary>
    public static Checkpoint Sign(ECDsa key, string scope, long seq, string hash, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(hash);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var signature = key.SignData(Payload(scope, seq, hash, at), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new Checkpoint(scope, seq, hash, at, KeyIdOf(publicKey), Convert.ToBase64String(publicKey), Convert.ToBase64String(signature));
    }

    /// <summary>The id of a public key (SubjectPublicKeyInfo bytes): the first 16 hex digits of its SHA-256.</summary>
    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    /// <summary>The bytes signed.</summary>
    public static byte[] Payload(string scope, long seq, string hash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"sift-checkpoint/1\n{scope}\n{seq}\n{hash}\n{at.UtcDateTime:O}"));

    /// <summary>True when the signature is valid for the embedded key and the key id is that key's.</summary>
    public bool Verify()
    {
        try
        {
            var publicKey = Convert.FromBase64String(PublicKey);
            if (!string.Equals(KeyIdOf(publicKey), KeyId, StringComparison.Ordinal)) return false;
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            return key.VerifyData(Payload(Scope, Seq, Hash, At), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>One line of a checkpoint file (compact JSON, no newline).</summary>
    public string ToLine() => JsonSerializer.Serialize(this, SiftJson.Compact);

    /// <summary>Reads a line of a checkpoint file; null when it is not one.</summary>
    public static Checkpoint? ParseLine(string line)
    {
        try
        {
            var checkpoint = JsonSerializer.Deserialize<Checkpoint>(line, SiftJson.Compact);
            return checkpoint is { Scope: not null, Hash: not null, KeyId: not null, PublicKey: not null, Signature: not null } ? checkpoint : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
