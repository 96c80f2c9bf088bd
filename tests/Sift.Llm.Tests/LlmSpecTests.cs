using Sift.Llm.Endpoint;

namespace Sift.Llm.Tests;

public class LlmSpecTests
{
    [Fact]
    public void Parse_Gguf_WithOptions()
    {
        var spec = LlmSpec.Parse("gguf:/models/tiny.gguf,context=512,threads=2,shots=2,price-in=0.01");
        spec.Backend.ShouldBe(LlmBackend.Gguf);
        spec.Gguf!.Path.ShouldBe("/models/tiny.gguf");
        spec.Gguf.ContextSize.ShouldBe(512);
        spec.Gguf.Threads.ShouldBe(2);
        spec.Oracle.Name.ShouldBe("gguf:tiny.gguf");
        spec.Oracle.Shots.ShouldBe(2);
        spec.Oracle.InputPricePer1K.ShouldBe(0.01);
        spec.Oracle.Concurrency.ShouldBe(1);
        spec.ToString().ShouldBe("gguf:/models/tiny.gguf,context=512,price-in=0.01,shots=2,threads=2");
    }

    [Fact]
    public void Parse_OpenAi_WithOptions()
    {
        var spec = LlmSpec.Parse("openai:gpt-4o-mini@https://api.example.test/v1,key-env=MY_KEY,price-in=0.15,price-out=0.6,concurrency=8,timeout=30s,retries=5,samples=3,schema=off,logprobs=off");
        spec.Backend.ShouldBe(LlmBackend.OpenAi);
        var endpoint = spec.Endpoint!;
        endpoint.Model.ShouldBe("gpt-4o-mini");
        endpoint.Endpoint.ShouldBe(new Uri("https://api.example.test/v1"));
        endpoint.KeyEnvironmentVariable.ShouldBe("MY_KEY");
        endpoint.Timeout.ShouldBe(TimeSpan.FromSeconds(30));
        endpoint.Retries.ShouldBe(5);
        endpoint.JsonSchema.ShouldBe(JsonSchemaMode.Off);
        spec.Oracle.Name.ShouldBe("openai:gpt-4o-mini");
        spec.Oracle.OutputPricePer1K.ShouldBe(0.6);
        spec.Oracle.Concurrency.ShouldBe(8);
        spec.Oracle.Samples.ShouldBe(3);
        spec.Oracle.UseLogprobs.ShouldBeFalse();
    }

    [Fact]
    public void Parse_OpenAi_Defaults_AndModelWithAt()
    {
        var spec = LlmSpec.Parse("openai:org/model@v2@http://127.0.0.1:8080/v1");
        spec.Endpoint!.Model.ShouldBe("org/model@v2");
        spec.Endpoint.KeyEnvironmentVariable.ShouldBeNull();
        spec.Endpoint.Timeout.ShouldBe(TimeSpan.FromSeconds(60));
        spec.Endpoint.Retries.ShouldBe(3);
        spec.Oracle.Concurrency.ShouldBe(4);
        spec.Oracle.Samples.ShouldBe(5);
    }

    [Theory]
    [InlineData("timeout=500ms", 0.5)]
    [InlineData("timeout=2m", 120)]
    [InlineData("timeout=45", 45)]
    public void Parse_Durations(string option, double seconds) =>
        LlmSpec.Parse("openai:m@http://h/v1," + option).Endpoint!.Timeout.TotalSeconds.ShouldBe(seconds, 1e-9);

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("llama:model", "must start with gguf: or openai:")]
    [InlineData("gguf:", "names no GGUF file")]
    [InlineData("openai:gpt-4o", "openai:MODEL@URL")]
    [InlineData("openai:@http://h/v1", "openai:MODEL@URL")]
    [InlineData("openai:m@ftp://h/v1", "openai:MODEL@URL")]
    [InlineData("openai:m@http://user:secret@h/v1", "user info")]
    [InlineData("openai:m@http://h/v1?api-key=secret", "query")]
    [InlineData("openai:m@http://h/v1,bogus=1", "unknown option 'bogus'")]
    [InlineData("gguf:/m.gguf,key-env=X", "'key-env' does not apply to gguf")]
    [InlineData("gguf:/m.gguf,concurrency=2", "'concurrency' does not apply to gguf")]
    [InlineData("openai:m@http://h/v1,context=4", "'context' does not apply to openai")]
    [InlineData("openai:m@http://h/v1,retries=11", "'retries' must be a whole number from 0 to 10")]
    [InlineData("openai:m@http://h/v1,retries=-1", "'retries' must be a whole number")]
    [InlineData("openai:m@http://h/v1,shots=x", "'shots' must be a whole number")]
    [InlineData("openai:m@http://h/v1,timeout=0", "'timeout' must be a duration")]
    [InlineData("openai:m@http://h/v1,timeout=2h", "'timeout' must be a duration")]
    [InlineData("openai:m@http://h/v1,price-in=-1", "'price-in' must be a price")]
    [InlineData("openai:m@http://h/v1,price-in=NaN", "'price-in' must be a price")]
    [InlineData("openai:m@http://h/v1,key-env=1BAD", "key-env must name an environment variable")]
    [InlineData("openai:m@http://h/v1,key-env=sk-abc123", "key-env must name an environment variable")]
    [InlineData("openai:m@http://h/v1,schema=maybe", "'schema' must be auto, on or off")]
    [InlineData("openai:m@http://h/v1,shots=1,shots=2", "'shots' twice")]
    [InlineData("gguf:/a,b.gguf", "where an option name=value belongs")]
    [InlineData("openai:m@http://h/v1,template=label@9", "Unknown prompt template")]
    [InlineData("openai:m@http://h/v1,shots=", "needs a value")]
    public void Parse_Invalid_OneClearSentence(string text, string part)
    {
        var e = Should.Throw<ConfigurationException>(() => LlmSpec.Parse(text));
        e.Message.ShouldContain(part, Case.Insensitive);
        e.Message.ShouldStartWith("The LLM spec ");
        e.Message.ShouldEndWith(".");
        e.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void Parse_TooLongOrControlCharacters_Rejected()
    {
        Should.Throw<ConfigurationException>(() => LlmSpec.Parse("gguf:/" + new string('a', 5000))).Message.ShouldContain("longer than 4,096");
        Should.Throw<ConfigurationException>(() => LlmSpec.Parse("gguf:/" + new string('a', 2000))).Message.ShouldContain("longer than 1,024");
        Should.Throw<ConfigurationException>(() => LlmSpec.Parse("openai:" + new string('m', 300) + "@http://h/v1")).Message.ShouldContain("256");
        Should.Throw<ConfigurationException>(() => LlmSpec.Parse("gguf:/a\u0000.gguf")).Message.ShouldContain("control characters");
    }

    [Fact]
    public void ToString_NeverHoldsAKey_OnlyTheVariableName()
    {
        var spec = LlmSpec.Parse("openai:m@http://h/v1,key-env=SIFT_TEST_KEY_NAME");
        spec.ToString().ShouldBe("openai:m@http://h/v1,key-env=SIFT_TEST_KEY_NAME");
    }
}
