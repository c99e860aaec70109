using System.Text.Json.Nodes;

namespace DiscreteExec.Relayer.Tests.Cli;

/// <summary>
/// One test per class of bad input: exit code 2, a message on stderr naming the field (and the intent), and no
/// output file. These fail before clearing, so they do not depend on the clearing engine.
/// </summary>
public sealed class ClearCommandBadInputTests : IDisposable
{
    private const int BadInput = 2;
    private readonly ScratchDirectory _scratch = new();
    private readonly JsonObject _epoch = TestFiles.SampleJson("mixed");

    private JsonObject Intent(int index) => _epoch["intents"]![index]!.AsObject();

    private string IntentId(int index) => (string)Intent(index)["intentId"]!;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Clear_MalformedJson_ReportsLineAndPosition()
    {
        var result = await ClearTextAsync("{\n  \"epochId\": 7,\n  \"closesAt\": }\n");

        Assert.Contains("malformed JSON at line 3, position 15", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_DocumentNotAnObject_SaysSo()
    {
        var result = await ClearTextAsync("[1, 2]");

        Assert.Contains("the document must be a JSON object, got an array", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_MissingTopLevelField_NamesTheField()
    {
        _epoch.Remove("feeBps");

        var result = await ClearAsync();

        Assert.Contains("field 'feeBps' is missing", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_MissingIntentField_NamesTheFieldAndTheIntent()
    {
        Intent(3).Remove("recipient");

        var result = await ClearAsync();

        Assert.Contains($"intents[3] (intentId {IntentId(3)}): field 'recipient' is missing", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_WrongType_NamesTheFieldAndTheTypeFound()
    {
        Intent(2)["originChainId"] = true;

        var result = await ClearAsync();

        Assert.Contains($"intents[2] (intentId {IntentId(2)}): field 'originChainId': expected an integer", result.Error, StringComparison.Ordinal);
        Assert.Contains("got true", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_NonNumericAmount_NamesTheFieldAndTheIntent()
    {
        Intent(4)["minOutputAmount"] = "12abc";

        var result = await ClearAsync();

        Assert.Contains($"intents[4] (intentId {IntentId(4)}): field 'minOutputAmount': \"12abc\" is not a non-negative decimal integer", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_NegativeAmountString_NamesTheFieldAndTheIntent()
    {
        Intent(3)["inputAmount"] = "-5";

        var result = await ClearAsync();

        Assert.Contains($"intents[3] (intentId {IntentId(3)}): field 'inputAmount': \"-5\" is not a non-negative decimal integer", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_NegativeAmountNumber_NamesTheFieldAndTheIntent()
    {
        Intent(3)["inputAmount"] = -5;

        var result = await ClearAsync();

        Assert.Contains($"intents[3] (intentId {IntentId(3)}): field 'inputAmount': -5 is negative", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_U64Overflow_NamesTheFieldAndTheRange()
    {
        Intent(1)["depositNonce"] = "18446744073709551616";

        var result = await ClearAsync();

        Assert.Contains($"intents[1] (intentId {IntentId(1)}): field 'depositNonce': \"18446744073709551616\" is out of range for a u64", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_AmountAbove2Pow256Minus1_NamesTheField()
    {
        _epoch["pools"]![2]!["balance"] = "115792089237316195423570985008687907853269984665640564039457584007913129639936";

        var result = await ClearAsync();

        Assert.Contains("pools[2]: field 'balance':", result.Error, StringComparison.Ordinal);
        Assert.Contains("exceeds 2^256-1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_JsonNumberAbove2Pow53_TellsToUseAString()
    {
        Intent(0)["fillDeadline"] = 9007199254740993UL;

        var result = await ClearAsync();

        Assert.Contains($"intents[0] (intentId {IntentId(0)}): field 'fillDeadline': 9007199254740993 is above 2^53", result.Error, StringComparison.Ordinal);
        Assert.Contains("write it as a decimal string: \"9007199254740993\"", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_Decimals19_NamesTheTokenAndTheRange()
    {
        _epoch["assets"]![0]!["tokens"]![1]!["decimals"] = 19;

        var result = await ClearAsync();

        Assert.Contains("assets[0].tokens[1]: field 'decimals': 19 is out of range 0..18", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_FeeBps10001_NamesTheFieldAndTheRange()
    {
        _epoch["feeBps"] = 10001;

        var result = await ClearAsync();

        Assert.Contains("field 'feeBps': 10001 is out of range 0..10000", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_BadHex_NamesTheFieldAndTheIntent()
    {
        Intent(5)["recipient"] = "0x1234";

        var result = await ClearAsync();

        Assert.Contains($"intents[5] (intentId {IntentId(5)}): field 'recipient': \"0x1234\" is not 0x-prefixed hex of exactly 32 bytes", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_DuplicateIntentId_NamesBothPlacesAndTheIntent()
    {
        Intent(6)["intentId"] = IntentId(2);

        var result = await ClearAsync();

        Assert.Contains($"intents[6] (intentId {IntentId(2)}): field 'intentId': duplicate intent id, first given at intents[2]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_DuplicateAssetId_NamesTheAsset()
    {
        _epoch["assets"]![1]!["id"] = "ETH";

        var result = await ClearAsync();

        Assert.Contains("assets[1]: field 'id': duplicate asset id 'ETH', first given at assets[0]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_TokenRegisteredTwice_NamesBothPlaces()
    {
        _epoch["assets"]![1]!["tokens"]![0]!["token"] = (string)_epoch["assets"]![0]!["tokens"]![0]!["token"]!;

        var result = await ClearAsync();

        Assert.Contains("assets[1].tokens[0]: field 'token': token", result.Error, StringComparison.Ordinal);
        Assert.Contains("on chain 31337 is registered twice, first at assets[0].tokens[0] (asset 'ETH')", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_PoolOnUnknownChain_NamesThePoolAndTheChain()
    {
        _epoch["pools"]![1]!["chainId"] = 5;

        var result = await ClearAsync();

        Assert.Contains("pools[1]: chainId 5 is not a chain of any asset", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_PoolForUnregisteredToken_NamesThePoolAndTheToken()
    {
        var token = "0x" + new string('7', 64);
        _epoch["pools"]![0]!["token"] = token;

        var result = await ClearAsync();

        Assert.Contains($"pools[0]: token {token} is not registered on chain 31337", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_EmptyAssets_SaysAnAssetIsNeeded()
    {
        _epoch["assets"] = new JsonArray();

        var result = await ClearAsync();

        Assert.Contains("field 'assets': the list is empty", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_MissingInputFile_ExitsTwoAndWritesNothing()
    {
        var output = _scratch.File("batch.json");

        var result = await CliRunner.RunAsync("clear", "--input", _scratch.File("absent.json"), "--output", output);

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Contains("absent.json: cannot read the file", result.Error, StringComparison.Ordinal);
        Assert.Empty(_scratch.FileNames());
    }

    [Fact]
    public async Task Clear_BadInputOverAnExistingOutput_LeavesItUntouched()
    {
        var input = _scratch.File("epoch.json");
        var output = _scratch.File("batch.json");
        Intent(3)["inputAmount"] = "-5";
        await File.WriteAllTextAsync(input, _epoch.ToJsonString());
        await File.WriteAllTextAsync(output, "the previous batch\n");

        var result = await CliRunner.RunAsync("clear", "--input", input, "--output", output);

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Equal("the previous batch\n", await File.ReadAllTextAsync(output));
        Assert.Equal(["batch.json", "epoch.json"], _scratch.FileNames());
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Clear_NeitherOutputNorCheck_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("mixed"));

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Contains("Give --output, --check, or both.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_UnknownOption_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("mixed"), "--output", _scratch.File("b.json"), "--colour");

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Contains("--colour", result.Error, StringComparison.Ordinal);
        Assert.Empty(_scratch.FileNames());
    }

    [Fact]
    public async Task Clear_OutputSameAsInput_IsRefused()
    {
        var input = _scratch.File("epoch.json");
        await File.WriteAllTextAsync(input, _epoch.ToJsonString());

        var result = await CliRunner.RunAsync("clear", "--input", input, "--output", input);

        Assert.Equal(BadInput, result.ExitCode);
        Assert.Equal(_epoch.ToJsonString(), await File.ReadAllTextAsync(input));
    }

    /// <summary>Writes the (mutated) epoch and clears it; asserts the common contract of bad input.</summary>
    private Task<CliResult> ClearAsync() => ClearTextAsync(_epoch.ToJsonString());

    private async Task<CliResult> ClearTextAsync(string epochJson)
    {
        var input = _scratch.File("epoch.json");
        var output = _scratch.File("batch.json");
        await File.WriteAllTextAsync(input, epochJson);

        var result = await CliRunner.RunAsync("clear", "--input", input, "--output", output);

        Assert.Equal(BadInput, result.ExitCode);
        Assert.StartsWith($"error: {input}: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(File.Exists(output));
        Assert.Equal(["epoch.json"], _scratch.FileNames());
        return result;
    }
}
