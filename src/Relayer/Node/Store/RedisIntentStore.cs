using System.Globalization;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// Intents as hashes (<c>intent:{id}</c>: observed, stage, epoch, deferred, arrival, block, report, retracted) plus the sorted set of Open ids
/// (all scores 0, so the set orders them by id). Each write is one Lua script, so a crash never leaves half of one.
/// </summary>
internal sealed class RedisIntentStore(NodeStoreConnection connection) : IIntentStore, IIntentQueries
{
    // The embedded server replays a script's writes one by one, so a kill -9 inside a script can keep a prefix of them.
    // Each script orders its writes so that such a prefix is repaired by the redelivery or replay that must follow
    // (the message was never acknowledged, the epoch step never recorded), and every script is idempotent.

    // Ordering. Each intent keeps the block of its stored observation ('block', lower-case) and the report sequence of
    // the last watcher message applied to it ('report', IntentObserved.ReportSequence; '' or absent when unnumbered).
    // A numbered message older than the stored report changes nothing: intake consumers run concurrently and retry, so
    // an observation or retraction may be consumed long after a later one (a retraction queued before a restart, the
    // old fork's observation held by a store fault), and applying it would undo the later one. Unnumbered messages
    // (Solana's watcher, older senders) and intents stored before these fields are ordered by the block alone. Lua
    // compares the sequences as doubles, exact below 2^53: a head below 2^33 at the watcher's 2^20 reports per head.

    // KEYS: intent, open set, arrival counter, the arrival index, the depositor's and the recipient's index. ARGV:
    // observed JSON, intent id, the observation's block hash, '1' when the observation is of a real event (so it may
    // replace the observation of an intent not yet settled: the same deposit seen in another block), its report
    // sequence or ''. The hash is written last, in one HSET: it is what makes the intent known, so a torn add is simply
    // done again by the redelivery (the indexes are sorted sets scored by arrival: re-adding only moves the score to
    // the new arrival). A Retracted intent observed again, later than its retraction (reorganised out, then back in:
    // same deposit, same id), is Open again with the new observation; its stage and report are written last, after
    // the Open set, so a torn re-add is still Retracted and the redelivery redoes it. An Open intent seen in another
    // block (the operator cleared a deep reorganisation's stop and the deposit is in the new fork) keeps its stage and
    // arrival and takes the new observation in one HSET, so the old block's retraction misses it. Any later message
    // about an Open intent lists it in the Open set again first (a retraction torn after leaving the set is refused
    // once a later report was applied, so nothing else would). An unnumbered message never clears a stored report.
    // An InEpoch intent keeps the observation its epoch was built on and takes only the new block and report, so the
    // new block's retraction still applies once the epoch defers it; a numbered one (or one of another block) also
    // cancels a held retraction ('retracted', below): the deposit is on the chain again. The cancel comes before the
    // block and report are written, so a torn script is still 'later' on its redelivery and cancels again.
    private const string AddScript = """
        local fields = redis.call('HMGET', KEYS[1], 'stage', 'block', 'report')
        local stage = fields[1]
        local report = tonumber(ARGV[5])
        local stored = tonumber(fields[3] or '')
        local later = report == nil or stored == nil or report > stored
        if stage == '4' then
          if not later then return 0 end
          local arrival = redis.call('INCR', KEYS[3])
          redis.call('ZADD', KEYS[2], 0, ARGV[2])
          redis.call('ZADD', KEYS[4], arrival, ARGV[2])
          redis.call('ZADD', KEYS[5], arrival, ARGV[2])
          redis.call('ZADD', KEYS[6], arrival, ARGV[2])
          redis.call('HSET', KEYS[1], 'observed', ARGV[1], 'block', ARGV[3], 'epoch', '', 'arrival', arrival)
          redis.call('HDEL', KEYS[1], 'retracted')
          if report ~= nil then
            redis.call('HSET', KEYS[1], 'stage', '0', 'report', ARGV[5])
          else
            redis.call('HSET', KEYS[1], 'stage', '0')
          end
          return 1
        end
        if stage then
          if not later then return 0 end
          if stage == '0' then redis.call('ZADD', KEYS[2], 0, ARGV[2]) end
          local moved = ARGV[4] == '1' and fields[2] ~= ARGV[3]
          if stage == '1' and (report ~= nil or moved) then redis.call('HDEL', KEYS[1], 'retracted') end
          local set = {}
          if (stage == '0' or stage == '1') and moved then
            if stage == '0' then
              set[#set + 1] = 'observed'
              set[#set + 1] = ARGV[1]
            end
            set[#set + 1] = 'block'
            set[#set + 1] = ARGV[3]
          end
          if report ~= nil then
            set[#set + 1] = 'report'
            set[#set + 1] = ARGV[5]
          end
          if #set > 0 then redis.call('HSET', KEYS[1], (table.unpack or unpack)(set)) end
          return 0
        end
        local arrival = redis.call('INCR', KEYS[3])
        redis.call('ZADD', KEYS[2], 0, ARGV[2])
        redis.call('ZADD', KEYS[4], arrival, ARGV[2])
        redis.call('ZADD', KEYS[5], arrival, ARGV[2])
        redis.call('ZADD', KEYS[6], arrival, ARGV[2])
        redis.call('HSET', KEYS[1], 'observed', ARGV[1], 'block', ARGV[3], 'report', ARGV[5], 'stage', '0', 'epoch', '', 'deferred', '0', 'deferredIn', '', 'arrival', arrival)
        return 1
        """;

    // KEYS: intent, open set. ARGV: intent id, the retracted observation's block hash ('' retracts whatever is
    // stored), its report sequence or ''. Applies only to an Open intent whose stored observation is of that block (an
    // intent stored before 'block' was kept: the block in its observed JSON) and not later than the retraction; a
    // retraction of an intent no longer Open still records its report, so an older observation cannot undo it later.
    // An InEpoch intent's retraction of its block is held ('retracted' = '1'): the epoch's move back to Open makes it
    // Retracted instead (TransitionScript), unless a later observation cancelled it (AddScript).
    // The stage is written last: a torn retract is still Open and is retried.
    private const string RetractScript = """
        local fields = redis.call('HMGET', KEYS[1], 'stage', 'block', 'report', 'observed')
        local report = tonumber(ARGV[3])
        local stored = tonumber(fields[3] or '')
        local later = report == nil or stored == nil or report > stored
        if not fields[1] or not later then return 0 end
        local ofStoredBlock = true
        if ARGV[2] ~= '' then
          if fields[2] then
            ofStoredBlock = fields[2] == ARGV[2]
          else
            ofStoredBlock = string.find(string.lower(fields[4]), '"blockhash":"' .. ARGV[2] .. '"', 1, true) ~= nil
          end
        end
        if fields[1] ~= '0' then
          if fields[1] == '1' and ofStoredBlock then redis.call('HSET', KEYS[1], 'retracted', '1') end
          if report ~= nil then redis.call('HSET', KEYS[1], 'report', ARGV[3]) end
          return 0
        end
        if not ofStoredBlock then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        if report ~= nil then
          redis.call('HSET', KEYS[1], 'stage', '4', 'report', ARGV[3])
        else
          redis.call('HSET', KEYS[1], 'stage', '4')
        end
        return 1
        """;

    // KEYS: fence counter, open set, then one intent per transition. ARGV: fence, then per transition id, stage, epoch, deferred.
    // Every intent is checked before anything is written: an unknown one refuses the whole step (returns -2 - its index).
    // A deferral counts once per epoch ('deferredIn'), so replaying a step (after a crash) does not count it twice. The
    // deferring epoch is the transition's, or (the epoch loop sends none: a deferred intent goes back Open without an
    // epoch) the one the intent is in while still InEpoch; a replay finds it Open already and counts nothing.
    // A move back to Open adds the id to the Open set before it writes the stage: the epoch loop's replay skips an
    // intent already Open, so a torn move must leave it at its old stage (replayed), never Open but unlisted. A move to
    // Open of an intent whose retraction is held makes it Retracted (its deposit left the chain while the epoch held it).
    private const string TransitionScript = Fencing.CheckScript + """
        for i = 3, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 0 then return -2 - (i - 3) end
        end
        for i = 3, #KEYS do
          local a = 2 + (i - 3) * 4
          local fields = redis.call('HMGET', KEYS[i], 'deferred', 'deferredIn', 'stage', 'epoch')
          local deferred = tonumber(fields[1])
          local deferredIn = fields[2]
          local deferringEpoch = ARGV[a + 2]
          if deferringEpoch == '' and fields[3] == '1' then deferringEpoch = fields[4] end
          if ARGV[a + 3] == '1' and deferringEpoch ~= '' and deferredIn ~= deferringEpoch then
            deferred = deferred + 1
            deferredIn = deferringEpoch
          end
          if ARGV[a + 1] == '0' and redis.call('HGET', KEYS[i], 'retracted') == '1' then
            redis.call('ZREM', KEYS[2], ARGV[a])
            redis.call('HSET', KEYS[i], 'stage', '4', 'epoch', '', 'deferred', deferred, 'deferredIn', deferredIn)
            redis.call('HDEL', KEYS[i], 'retracted')
          elseif ARGV[a + 1] == '0' then
            redis.call('ZADD', KEYS[2], 0, ARGV[a])
            redis.call('HSET', KEYS[i], 'stage', ARGV[a + 1], 'epoch', ARGV[a + 2], 'deferred', deferred, 'deferredIn', deferredIn)
          else
            redis.call('HSET', KEYS[i], 'stage', ARGV[a + 1], 'epoch', ARGV[a + 2], 'deferred', deferred, 'deferredIn', deferredIn)
            redis.call('ZREM', KEYS[2], ARGV[a])
            if ARGV[a + 1] ~= '1' then redis.call('HDEL', KEYS[i], 'retracted') end
          end
        end
        return 1
        """;

    // KEYS: fence counter, open set, then one intent per id. ARGV: fence, epoch, then the ids. Checks and moves in one
    // step, so a retraction lands wholly before (the intent is not Open: left as it is) or after (refused: not Open).
    // Per intent the Open set is left first, the stage written last: a torn take leaves an intent still Open but out of
    // the set, which the replay of the persisted close decision moves (the set only speeds up OpenAsync). An intent
    // already in this epoch is taken out of the set again (repairs a torn transition) but not returned.
    private const string TakeOpenScript = Fencing.CheckScript + """
        local moved = {}
        for i = 3, #KEYS do
          local id = ARGV[i]
          local fields = redis.call('HMGET', KEYS[i], 'stage', 'epoch')
          if fields[1] == '0' then
            redis.call('ZREM', KEYS[2], id)
            redis.call('HSET', KEYS[i], 'stage', '1', 'epoch', ARGV[2])
            moved[#moved + 1] = id
          elseif fields[1] == '1' and fields[2] == ARGV[2] then
            redis.call('ZREM', KEYS[2], id)
          end
        end
        return moved
        """;

    private static readonly RedisValue[] IntentFields = ["observed", "stage", "epoch", "deferred", "arrival", "retracted"];

    private readonly StoreKeys _keys = connection.Keys;

    /// <summary>Rewrites every script before it runs; the identity but in tests, which tear scripts to check their write order.</summary>
    internal Func<string, string> ScriptRewrite { get; init; } = script => script;

    public async Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observed);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var intentId = observed.Intent.IntentId;
        var added = await database.ScriptEvaluateAsync(
            ScriptRewrite(AddScript),
            [
                _keys.Intent(intentId), _keys.OpenIntents, _keys.IntentArrivals, _keys.IntentsByArrival,
                _keys.IntentsByDepositor(observed.Intent.Depositor), _keys.IntentsByRecipient(observed.Intent.Recipient),
            ],
            [
                JsonSerializer.Serialize(observed, StoreJson.Options), intentId.ToString(), observed.Position.BlockHash.ToLowerInvariant(),
                observed.Position.TransactionId.Length > 0 ? "1" : "0", Sequence(observed.ReportSequence),
            ]).ConfigureAwait(false);
        return (long)added == 1;
    }

    public async Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retracted);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var retractedNow = await database.ScriptEvaluateAsync(
            ScriptRewrite(RetractScript),
            [_keys.Intent(retracted.IntentId), _keys.OpenIntents],
            [retracted.IntentId.ToString(), retracted.BlockHash?.ToLowerInvariant() ?? string.Empty, Sequence(retracted.ReportSequence)]).ConfigureAwait(false);
        return (long)retractedNow == 1;
    }

    private static string Sequence(ulong? reportSequence) => reportSequence?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    public async Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return Parse(intentId, await database.HashGetAsync(_keys.Intent(intentId), IntentFields).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<StoredIntent?>> GetManyAsync(IReadOnlyList<Bytes32> intentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intentIds);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var reads = intentIds.Select(id => batch.HashGetAsync(_keys.Intent(id), IntentFields)).ToArray();
        batch.Execute();
        var intents = new StoredIntent?[intentIds.Count];
        for (var i = 0; i < intents.Length; i++)
        {
            intents[i] = Parse(intentIds[i], await reads[i].ConfigureAwait(false));
        }

        return intents;
    }

    public async Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var ids = (await database.SortedSetRangeByRankAsync(_keys.OpenIntents).ConfigureAwait(false))
            .Select(id => Bytes32.Parse(id.ToString()))
            .ToArray();
        var batch = database.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(_keys.Intent(id), IntentFields)).ToArray();
        batch.Execute();
        var intents = new List<StoredIntent>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            // An intent that left Open between the two reads is simply not Open any more.
            if (Parse(ids[i], await reads[i].ConfigureAwait(false)) is { Stage: IntentStage.Open } intent)
            {
                intents.Add(intent);
            }
        }

        return intents;
    }

    public async Task<long> OpenCountAsync(CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.SortedSetLengthAsync(_keys.OpenIntents).ConfigureAwait(false);
    }

    public async Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var keys = new RedisKey[2 + transitions.Count];
        keys[0] = _keys.LeaseFence;
        keys[1] = _keys.OpenIntents;
        var arguments = new RedisValue[1 + (4 * transitions.Count)];
        arguments[0] = fence.Fence;
        for (var i = 0; i < transitions.Count; i++)
        {
            var transition = transitions[i];
            keys[2 + i] = _keys.Intent(transition.IntentId);
            arguments[1 + (4 * i)] = transition.IntentId.ToString();
            arguments[2 + (4 * i)] = ((int)transition.Stage).ToString(CultureInfo.InvariantCulture);
            arguments[3 + (4 * i)] = transition.EpochId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
            arguments[4 + (4 * i)] = transition.Deferred ? "1" : "0";
        }

        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = (long)await database.ScriptEvaluateAsync(ScriptRewrite(TransitionScript), keys, arguments).ConfigureAwait(false);
        Fencing.ThrowIfStale(result, fence, "Intent transitions");
        if (result < Fencing.StaleFence)
        {
            var unknown = transitions[(int)(-2 - result)].IntentId;
            throw new InvalidOperationException($"Intent transitions refused: intent {unknown} is not in the store; nothing was changed.");
        }
    }

    public async Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intentIds);
        var keys = new RedisKey[2 + intentIds.Count];
        keys[0] = _keys.LeaseFence;
        keys[1] = _keys.OpenIntents;
        var arguments = new RedisValue[2 + intentIds.Count];
        arguments[0] = fence.Fence;
        arguments[1] = epochId.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < intentIds.Count; i++)
        {
            keys[2 + i] = _keys.Intent(intentIds[i]);
            arguments[2 + i] = intentIds[i].ToString();
        }

        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await database.ScriptEvaluateAsync(ScriptRewrite(TakeOpenScript), keys, arguments).ConfigureAwait(false);
        if (result.Resp2Type == ResultType.Integer)
        {
            Fencing.ThrowIfStale((long)result, fence, "Taking intents into an epoch");
        }

        return [.. ((RedisResult[])result!).Select(id => Bytes32.Parse(id.ToString()))];
    }

    public async Task<IntentPage> ListAsync(IntentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);

        // The narrowest index drives the walk (newest arrival first); the other filters are checked on each intent.
        // A walk reads at most ScanBudget entries per page, so a rare filter cannot make one request read every intent.
        var index = query.Depositor is { } depositor ? _keys.IntentsByDepositor(depositor)
            : query.Recipient is { } recipient ? _keys.IntentsByRecipient(recipient)
            : _keys.IntentsByArrival;
        var scanBudget = Math.Max(ScanBudget, query.Limit);
        var below = query.BeforeArrival ?? long.MaxValue;
        var page = new List<StoredIntent>(query.Limit);
        var scanned = 0;
        while (page.Count < query.Limit && scanned < scanBudget)
        {
            var entries = await database.SortedSetRangeByScoreWithScoresAsync(
                index, double.NegativeInfinity, below, Exclude.Stop, Order.Descending, 0, Math.Min(query.Limit - page.Count + 16, scanBudget - scanned)).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                return new IntentPage(page, null);
            }

            var batch = database.CreateBatch();
            var reads = entries.Select(e => batch.HashGetAsync(_keys.Intent(Bytes32.Parse(e.Element.ToString())), IntentFields)).ToArray();
            batch.Execute();
            for (var i = 0; i < entries.Length; i++)
            {
                scanned++;
                below = (long)entries[i].Score;
                if (Parse(Bytes32.Parse(entries[i].Element.ToString()), await reads[i].ConfigureAwait(false)) is { } intent && Matches(intent, query))
                {
                    page.Add(intent);
                    if (page.Count == query.Limit)
                    {
                        break;
                    }
                }
            }
        }

        // More may follow: the caller asks again below the last arrival read (an empty next page ends the listing).
        return new IntentPage(page, below);
    }

    // How many index entries one page may read while filters skip intents.
    private const int ScanBudget = 2000;

    private static bool Matches(StoredIntent intent, IntentQuery query) =>
        (query.Depositor is not { } depositor || intent.Observed.Intent.Depositor == depositor)
        && (query.Recipient is not { } recipient || intent.Observed.Intent.Recipient == recipient)
        && (query.Stage is not { } stage || intent.Stage == stage);

    private static StoredIntent? Parse(Bytes32 intentId, RedisValue[] fields)
    {
        if (fields[0].IsNull)
        {
            return null;
        }

        var observed = JsonSerializer.Deserialize<IntentObserved>(fields[0].ToString(), StoreJson.Options)
            ?? throw new InvalidDataException($"Intent {intentId} holds a null observation.");
        var epoch = fields[2].ToString();
        return new StoredIntent(
            observed,
            (IntentStage)(int)fields[1],
            epoch.Length == 0 ? null : ulong.Parse(epoch, CultureInfo.InvariantCulture),
            (int)fields[3],
            (long)fields[4])
        {
            RetractionHeld = fields[5] == "1" && (IntentStage)(int)fields[1] == IntentStage.InEpoch, // a flag a torn move left on another stage means nothing
        };
    }
}
