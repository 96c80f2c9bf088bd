using System.Text.Json;
using Sift.Projects;
using Sift.Server.Hosting;

namespace Sift.Server.Tests.Hosting;

public class ExactEnumConverterTests
{
    private static readonly JsonSerializerOptions Options = Create();

    [Fact]
    public void RoundTrip_ValuesAndDictionaryKeys_UseSnakeCaseNames()
    {
        var json = JsonSerializer.Serialize(new Dictionary<TaskState, Role> { [TaskState.Leased] = Role.Auditor }, Options);

        json.ShouldBe("""{"leased":"auditor"}""");
        JsonSerializer.Deserialize<Dictionary<TaskState, Role>>(json, Options)!.ShouldBe(new Dictionary<TaskState, Role> { [TaskState.Leased] = Role.Auditor });
    }

    [Theory]
    [InlineData("\"Admin\"")]
    [InlineData("\"ADMIN\"")]
    [InlineData("\"admin \"")]
    [InlineData("0")]
    [InlineData("true")]
    public void Read_AnythingButTheExactName_ThrowsListingTheNames(string json)
    {
        var error = Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Role>(json, Options));
        error.Message.ShouldBe("must be one of admin, annotator, reviewer, auditor, model (exactly so written)");
    }

    [Fact]
    public void Read_DictionaryKeyInAnotherCase_Throws() =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Dictionary<Role, int>>("""{"Admin":1}""", Options));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        SiftServerServices.ConfigureJson(options);
        return options;
    }
}
