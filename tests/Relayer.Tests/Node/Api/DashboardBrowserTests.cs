using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using Microsoft.Playwright;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>
/// The dashboard in a real headless browser: Debian's chromium driven by Playwright (no browser download). A missing
/// chromium is a failure with the command that installs it, never a skip.
/// </summary>
[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class DashboardBrowserTests(ApiNodeFixture node)
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly float Generous = 60_000;

    private const string BadIntentId = "0x1234";

    // The browser logs every 4xx answer as a console error: only the 400 this test provokes with a bad id may appear.
    private static readonly string[] ExpectedFailedRequests = [$"/v1/intents/{BadIntentId}"];

    [Fact]
    public async Task Dashboard_RealStore_ShowsEpochsFindsAnIntentAndFeedsLiveSettlements()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: the dashboard test needs Debian's chromium (apt-get install -y chromium; scripts/test.sh installs it).");
        Assertions.SetDefaultExpectTimeout(Generous);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { BaseURL = node.Client.BaseAddress!.ToString() });
        page.SetDefaultTimeout(Generous);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !ExpectedFailedRequests.Any(r => message.Location.Contains(r, StringComparison.Ordinal)))
            {
                errors.Add($"{message.Text} at {message.Location}");
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        var external = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(node.Client.BaseAddress!.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                external.Add(request.Url);
            }
        };

        await page.GotoAsync("/");

        // The last epochs: epoch 2 settled and margined, with its counts.
        var epochTwo = page.Locator("#epochs tbody tr[data-epoch-id='2']");
        await Assertions.Expect(epochTwo).ToHaveAttributeAsync("data-stage", "margined");
        var stored = (await node.Epochs.GetAsync(2, default))!;
        var cells = epochTwo.Locator("td");
        await Assertions.Expect(cells.Nth(2)).ToHaveTextAsync(stored.Trigger!);
        await Assertions.Expect(cells.Nth(3)).ToHaveTextAsync(Text(stored.IntentCount));
        await Assertions.Expect(cells.Nth(4)).ToHaveTextAsync(Text(stored.Filled));
        await Assertions.Expect(cells.Nth(6)).ToHaveTextAsync(Text(stored.Deferred));
        await Assertions.Expect(page.Locator("#epochs tbody tr[data-epoch-id='1']")).ToHaveAttributeAsync("data-stage", "margined");
        await Assertions.Expect(page.Locator("#current-summary")).ToContainTextAsync("Epoch 2, margined");
        // The pools of the newest margined epoch (GET /v1/pools): USDC on both test chains.
        var pools = page.Locator("#pools-table tbody tr");
        await Assertions.Expect(pools).ToHaveCountAsync(2);
        await Assertions.Expect(pools.Nth(0).Locator("td").Nth(0)).ToHaveTextAsync(NodeWorld.ChainA.ToString());
        await Assertions.Expect(pools.Nth(1).Locator("td").Nth(1)).ToHaveTextAsync("USDC");
        await Assertions.Expect(page.Locator("#pools-note")).ToBeEmptyAsync();

        // The search box: an intent filled in epoch 1, its state, epoch and the proof part.
        await page.Locator("#intent-id").FillAsync(node.FilledInFirst[0].IntentId.ToString());
        await page.Locator("#intent-id").PressAsync("Enter");
        await Assertions.Expect(page.Locator("#intent-state")).ToHaveTextAsync("filled");
        await Assertions.Expect(page.Locator("#intent-epoch")).ToHaveTextAsync("in epoch 1");
        await Assertions.Expect(page.Locator("#intent-journey")).ToContainTextAsync("taken by epoch 1");
        await Assertions.Expect(page.Locator("#intent-proof")).Not.ToBeEmptyAsync();

        // A bad id: the API's problem detail, naming what is wrong.
        await page.Locator("#intent-id").FillAsync(BadIntentId);
        await page.Locator("#intent-id").PressAsync("Enter");
        await Assertions.Expect(page.Locator("#intent-error")).ToContainTextAsync("intentId");

        // The live feed: the replayed settlements of epochs 1 and 2, then a leg applied now arrives over SSE.
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-stream", "live");
        await Assertions.Expect(page.Locator("#feed li[data-type='IntentSettled']")).ToHaveCountAsync(6);
        var transaction = $"0x{Guid.NewGuid():N}";
        var sequence = await node.Events.AppendAsync(new LegApplied($"test-dashboard-{Guid.NewGuid():N}", 1_000, new ChainId(31337), 7, "Payout", 3, transaction, AlreadyApplied: false), default);
        var live = page.Locator($"#feed li[data-sequence='{sequence}']");
        await Assertions.Expect(live).ToContainTextAsync("epoch 1000");
        await Assertions.Expect(live).ToContainTextAsync("chunk 7");
        Assert.Equal(0, await live.Locator("xpath=preceding-sibling::li").CountAsync());

        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png"), FullPage = true });
        Assert.Empty(errors);
        Assert.Empty(external);
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
