using System.Net;
using System.Text.Json;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>
/// Fetches prices with one HTTP GET per call: a JSON object of price keys to decimal integers (numeraire per whole
/// token, scaled 1e18; strings or integer numbers), optionally under a dot-separated path, with an optional unix-seconds
/// timestamp. A failed request, a timeout, garbled JSON, a missing or malformed price, or a price older than the
/// maximum age throws <see cref="PriceUnavailableException"/> naming the asset and the reason; nothing is guessed.
/// </summary>
internal sealed class HttpJsonPriceFeed : IPriceFeed
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly IReadOnlyList<(string AssetId, string PriceKey)> _assets;
    private readonly string? _pricesPath;
    private readonly string? _timestampPath;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public HttpJsonPriceFeed(HttpClient http, HttpJsonPriceFeedSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfZero(settings.Assets.Count);
        _http = http;
        _url = settings.Url;
        _assets = settings.Assets;
        _pricesPath = settings.PricesPath;
        _timestampPath = settings.TimestampPath;
        _maxAge = settings.MaxAge;
        _timeout = settings.Timeout;
        _time = time;
    }

    private string FirstAsset => _assets[0].AssetId;

    public async Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken)
    {
        using var document = await FetchAsync(cancellationToken).ConfigureAwait(false);
        var fetchedAt = _time.GetUtcNow();
        var prices = Navigate(document.RootElement, _pricesPath);
        if (prices is not { ValueKind: JsonValueKind.Object } pricesObject)
        {
            throw new PriceUnavailableException(FirstAsset, $"garbled response from {_url}: no JSON object at '{_pricesPath ?? "(root)"}'.");
        }

        var observedAt = ObservedAt(document.RootElement, fetchedAt);
        var age = fetchedAt - observedAt;
        if (age > _maxAge)
        {
            throw new PriceUnavailableException(FirstAsset, $"stale: the prices from {_url} were observed at {observedAt:O}, {age} ago, beyond the maximum age {_maxAge}.");
        }

        var result = new List<ReferencePrice>(_assets.Count);
        foreach (var (assetId, key) in _assets)
        {
            if (!pricesObject.TryGetProperty(key, out var value))
            {
                throw new PriceUnavailableException(assetId, $"missing: {_url} has no price '{key}'.");
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
            if (!UInt256.TryParse(text, out var price) || price.IsZero)
            {
                throw new PriceUnavailableException(assetId, $"garbled: the price '{key}' from {_url} is {value.GetRawText()}, not a positive decimal integer (scaled 1e18).");
            }

            result.Add(new ReferencePrice(assetId, price, _url.ToString(), observedAt));
        }

        return result;
    }

    private async Task<JsonDocument> FetchAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _http.GetAsync(_url, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new PriceUnavailableException(FirstAsset, $"{_url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(body, default, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PriceUnavailableException(FirstAsset, $"{_url} did not answer within {_timeout}.");
        }
        catch (HttpRequestException ex)
        {
            throw new PriceUnavailableException(FirstAsset, $"{_url} is unreachable: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new PriceUnavailableException(FirstAsset, $"garbled response from {_url}: {ex.Message}");
        }
    }

    private DateTimeOffset ObservedAt(JsonElement root, DateTimeOffset fetchedAt)
    {
        if (string.IsNullOrEmpty(_timestampPath))
        {
            return fetchedAt;
        }

        var stamp = Navigate(root, _timestampPath);
        return stamp is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out var seconds) && seconds >= 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new PriceUnavailableException(FirstAsset, $"garbled response from {_url}: '{_timestampPath}' is not a unix time in seconds.");
    }

    private static JsonElement? Navigate(JsonElement root, string? path)
    {
        var current = root;
        foreach (var part in (path ?? string.Empty).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }
}

/// <summary>What <see cref="HttpJsonPriceFeed"/> fetches and how strictly it judges the answer.</summary>
internal sealed record HttpJsonPriceFeedSettings(
    Uri Url,
    IReadOnlyList<(string AssetId, string PriceKey)> Assets,
    string? PricesPath,
    string? TimestampPath,
    TimeSpan MaxAge,
    TimeSpan Timeout);
