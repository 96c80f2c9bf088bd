using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sift.Server.Hosting;

/// <summary>
/// Enums as snake_case strings, read exactly as they are written: <c>"admin"</c> is a role, <c>"Admin"</c>,
/// <c>" admin"</c> and <c>0</c> are not (System.Text.Json's own converter ignores case). One spelling per value, so
/// what a client sends is what the API shows back.
/// </summary>
internal sealed class ExactEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    /// <summary>The wire names of <paramref name="enumType"/>'s values, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type enumType) =>
        Enum.GetNames(enumType).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToArray();

    /// <summary>What a client is told when it sends something else.</summary>
    internal static string Expected(Type enumType) => "must be one of " + string.Join(", ", Names(enumType)) + " (exactly so written)";

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly Dictionary<string, T> Values = Enum.GetValues<T>().ToDictionary(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()), StringComparer.Ordinal);
        private static readonly Dictionary<T, string> NamesByValue = Values.ToDictionary(p => p.Value, p => p.Key);

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } name && Values.TryGetValue(name, out var value)) return value;
            throw new EnumValueException(Expected(typeof(T)));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value));

        // Dictionary keys follow the same rule as values.
        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } name && Values.TryGetValue(name, out var value) ? value : throw new EnumValueException(Expected(typeof(T)));

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(Name(value));

        private static string Name(T value) =>
            NamesByValue.TryGetValue(value, out var name) ? name : throw new JsonException($"{typeof(T).Name} has no value {value}.");
    }
}

/// <summary>An enum value that is not one of the wire names; its message says which are (System.Text.Json adds the path).</summary>
internal sealed class EnumValueException(string message) : JsonException(message);
