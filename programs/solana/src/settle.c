/* Settle: applies one chunk of this chain's leg of an epoch's batch. */
#include "escrow.h"


/* keccak256(abi.encode(uint64 chainId, uint64 epoch, uint8 kind, bytes32 intentId,
 *                      bytes32 token, bytes32 account, uint256 amount)) */
static void leaf_hash(const Ctx *c, const Leaf *l, u8 *out) {
  u8 w[224];
  wr_be_word(w, rd64(c->config + CFG_CHAIN_ID));
  wr_be_word(w + 32, c->epoch);
  wr_be_word(w + 64, l->kind);
  copy32(w + 96, l->intent_id);
  copy32(w + 128, l->token);
  copy32(w + 160, l->account);
  wr_be_word(w + 192, l->amount);
  SolBytes slice = {w, 224};
  sol_keccak256(&slice, 1, out);
}

/* A zero amount is applied (as on the EVM escrow): clearing fills an intent whose
 * minOutputAmount is 0 even when its payout rounds down to 0, and refusing it here would
 * block the whole chunk on this chain while the origin chain already released the input. */
static u64 take_from_pool(u8 *p, u64 amount) {
  u64 balance = rd64(p + POOL_BALANCE);
  if (balance < amount) return E_INSUFFICIENT_POOL;
  wr64(p + POOL_BALANCE, balance - amount);
  return 0;
}

/* Release: a local Open intent's input moves into the pool, only while
 * now <= fillDeadline + grace (after that, only refundExpired can touch it). */
static u64 act_release(Ctx *c, Leaf *leaf, i64 now) {
  Acc intent, pool;
  TRY(next_account(c, &intent));
  TRY(next_account(c, &pool));
  u8 *it, *p;
  TRY(load_typed(c, pool, TAG_POOL, POOL_SIZE, &p));
  TRY(need_writable(pool));
  TRY(load_typed(c, intent, TAG_INTENT, INTENT_SIZE, &it));
  TRY(need_writable(intent));
  if (!key_eq(p + POOL_MINT, it + INTENT_MINT)) return E_WRONG_MINT;
  if (it[INTENT_STATUS] != STATUS_OPEN) return E_INTENT_NOT_OPEN;
  if (!key_eq(it + INTENT_ID, leaf->intent_id)) return E_INTENT_MISMATCH;
  if (leaf->amount != 0 || !is_zero32(leaf->account)) return E_INVALID_ACTION_FIELD;
  if (past_window(c->config, it, now)) return E_RELEASE_WINDOW_CLOSED;
  u64 amount = rd64(it + INTENT_AMOUNT);
  u64 escrowed = rd64(p + POOL_ESCROWED), balance;
  if (escrowed < amount) return E_ARITHMETIC_OVERFLOW;
  TRY(checked_add(rd64(p + POOL_BALANCE), amount, &balance));
  wr64(p + POOL_ESCROWED, escrowed - amount);
  wr64(p + POOL_BALANCE, balance);
  it[INTENT_STATUS] = STATUS_RELEASED;
  leaf->token = it + INTENT_MINT;
  emit_intent_released(it, c->epoch);
  return 0;
}

/* Refund of a local Open intent (any time while Open); undeliverable -> claim.
 * A Refund of an intent already Refunded (the depositor took it back with
 * refundExpired before this chunk landed) is skipped, as on the EVM escrow: the
 * outcome is the one the batch wanted, and failing would block the rest of the
 * chunk. Its accounts and fields are checked and its leaf counts; nothing moves
 * and no event is emitted. A Refund of a Released intent still fails. */
static u64 act_refund(Ctx *c, Leaf *leaf) {
  Acc intent, pool, vault, to;
  TRY(next_account(c, &intent));
  TRY(next_account(c, &pool));
  TRY(next_account(c, &vault));
  TRY(next_account(c, &to));
  TRY(next_account(c, &c->claim));
  u8 *loaded[2];
  TRY(load_intent(c, intent, pool, vault, loaded));
  u8 *it = loaded[0], *p = loaded[1];
  u8 status = it[INTENT_STATUS];
  if (status != STATUS_OPEN && status != STATUS_REFUNDED) return E_INTENT_NOT_OPEN;
  if (!key_eq(it + INTENT_ID, leaf->intent_id)) return E_INTENT_MISMATCH;
  if (leaf->amount != rd64(it + INTENT_AMOUNT) || !key_eq(leaf->account, it + INTENT_DEPOSITOR))
    return E_INVALID_ACTION_FIELD;
  leaf->token = it + INTENT_MINT;
  if (status == STATUS_REFUNDED) return 0;
  TRY(refund_intent(c, it, p, vault, to));
  emit_intent_refunded(it, c->epoch, 0);
  return 0;
}

/* Creates a marker PDA [seed, key] that must not exist yet (`taken` otherwise). */
static u64 create_marker(Ctx *c, Acc marker, const SolSeed *seed, const u8 *key, u64 taken) {
  u8 bump;
  SolSeed seeds[3] = {*seed, {key, 32}, {&bump, 1}};
  TRY(expect_pda(c, marker, seeds, 2, &bump));
  if (key_eq(A_OWNER(marker), c->program_id)) return taken;
  SolSeeds signer = {seeds, 3};
  TRY(create_pda(c, marker, &signer, PAID_SIZE, c->program_id));
  A_DATA(marker)[PAID_BUMP] = bump;
  return 0;
}

/* Payout (paid marker ["paid", source id]) or Withdraw (withdraw marker
 * ["withdrawn", leaf hash]) from the pool to the action's account; an
 * undeliverable destination makes it a claim of that account. */
static u64 act_outflow(Ctx *c, Leaf *leaf, u8 *leaf_out) {
  Acc marker, pool, vault, to;
  bool payout = leaf->kind == ACT_PAYOUT;
  if (!payout && !is_zero32(leaf->intent_id)) return E_INVALID_ACTION_FIELD;
  if (is_zero32(leaf->account)) return E_INVALID_ACTION_FIELD;
  TRY(next_account(c, &marker));
  TRY(next_account(c, &pool));
  TRY(next_account(c, &vault));
  TRY(next_account(c, &to));
  TRY(next_account(c, &c->claim));
  u8 *p;
  TRY(load_pool(c, pool, vault, &p));
  TRY(need_writable(to));
  /* To the escrow itself (the vault authority): nothing would move, so the
   * pool is not debited either; the action is only marked (as on EVM). */
  bool self = key_eq(leaf->account, c->config + CFG_AUTHORITY);
  if (!self) TRY(take_from_pool(p, leaf->amount));
  leaf->token = p + POOL_MINT;
  leaf_hash(c, leaf, leaf_out);
  if (payout) {
    SolSeed seed = {SEED_PAID, sizeof(SEED_PAID) - 1};
    TRY(create_marker(c, marker, &seed, leaf->intent_id, E_ALREADY_PAID));
  } else {
    SolSeed seed = {SEED_WITHDRAWN, sizeof(SEED_WITHDRAWN) - 1};
    TRY(create_marker(c, marker, &seed, leaf_out, E_ALREADY_WITHDRAWN));
  }
  u8 *m = A_DATA(marker);
  m[0] = payout ? TAG_PAID : TAG_WITHDRAWN;
  wr64(m + PAID_EPOCH, c->epoch);
  wr64(m + PAID_AMOUNT, leaf->amount);
  copy32(m + PAID_MINT, p + POOL_MINT);
  if (self) {
    emit_self_transfer_skipped(c, leaf, payout ? leaf->intent_id : leaf_out);
    return 0;
  }
  if (deliverable(to, vault, p + POOL_MINT, leaf->account, leaf->amount)) {
    TRY(vault_pay(c, vault, to, leaf->amount));
    emit_outflow(c, leaf, A_KEY(to));
    return 0;
  }
  ClaimNote note = {leaf->kind, leaf->intent_id, leaf->amount, to};
  TRY(credit_claim(c, p, leaf->account, &note));
  emit_outflow(c, leaf, A_KEY(c->claim));
  return 0;
}

/* A chunk is all Releases or no Release (protocol v2 rule 2): Releases move no
 * tokens, so nothing a depositor controls can keep a Release chunk from applying. */
static u64 check_stages(const u8 *actions, u64 k) {
  u64 releases = 0;
  for (u64 i = 0; i < k; i++) releases += actions[ACTION_SIZE * i] == ACT_RELEASE;
  return releases == 0 || releases == k ? 0 : E_MIXED_CHUNK;
}

/* 3 Settle. Data: epoch u64 | chunk u32 | root[32] | m u8 | k u8 | actions[k]{kind u8, id[32], account[32], amount u64}.
 * Accounts: payer, config, receipt, authority, system, token, attestors[m], action groups. */
static u64 ix_settle(Ctx *c) {
  const u8 *d = c->in->data;
  u64 len = c->in->data_len;
  if (len < 47) return E_INVALID_INSTRUCTION;
  u64 epoch = rd64(d + 1), m = d[45], k = d[46];
  u32 chunk = rd32(d + 9);
  if (k == 0 || k > MAX_ACTIONS || len != 47 + ACTION_SIZE * k) return E_INVALID_INSTRUCTION;
  TRY(check_stages(d + 47, k));
  Acc payer, config, receipt, authority, system, token;
  TRY(account_at(c, 0, &payer));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &receipt));
  TRY(account_at(c, 3, &authority));
  TRY(account_at(c, 4, &system));
  TRY(account_at(c, 5, &token));
  TRY(need_signer(payer));
  TRY(need_writable(payer));
  TRY(load_config(c, config, false));
  if (c->config[CFG_PAUSED]) return E_PAUSED;
  TRY(need_authority(c, authority));
  TRY(need_system(c, system));
  TRY(need_token_program(c, token));
  c->payer = payer;
  c->epoch = epoch;
  c->cursor = 6;
  TRY(check_attestors(c, m));

  u8 epoch_le[8], chunk_le[4], bump;
  wr64(epoch_le, epoch);
  wr32(chunk_le, chunk);
  SolSeed seeds[4] = {
      {SEED_RECEIPT, sizeof(SEED_RECEIPT) - 1}, {epoch_le, 8}, {chunk_le, 4}, {&bump, 1}};
  TRY(expect_pda(c, receipt, seeds, 3, &bump));
  if (key_eq(A_OWNER(receipt), c->program_id)) return E_CHUNK_ALREADY_APPLIED;
  SolSeeds signer = {seeds, 4};
  TRY(create_pda(c, receipt, &signer, RECEIPT_SIZE, c->program_id));

  u64 slot;
  i64 now;
  clock_now(&now, &slot);
  u8 leaves[MAX_ACTIONS][32];
  SolBytes slices[MAX_ACTIONS];
  for (u64 i = 0; i < k; i++) {
    const u8 *action = d + 47 + ACTION_SIZE * i;
    Leaf leaf = {action[0], action + 1, NULL, action + 33, rd64(action + 65)};
    if (leaf.kind == ACT_RELEASE) TRY(act_release(c, &leaf, now));
    else if (leaf.kind == ACT_REFUND) TRY(act_refund(c, &leaf));
    else if (leaf.kind == ACT_PAYOUT || leaf.kind == ACT_WITHDRAW) TRY(act_outflow(c, &leaf, leaves[i]));
    else return E_INVALID_ACTION_FIELD;
    if (leaf.kind == ACT_RELEASE || leaf.kind == ACT_REFUND) leaf_hash(c, &leaf, leaves[i]);
    slices[i] = (SolBytes){leaves[i], 32};
  }

  u8 *r = A_DATA(receipt);
  r[0] = TAG_RECEIPT;
  r[RECEIPT_BUMP] = bump;
  wr64(r + RECEIPT_EPOCH, epoch);
  wr32(r + RECEIPT_CHUNK, chunk);
  wr32(r + RECEIPT_COUNT, (u32)k);
  sol_keccak256(slices, k, r + RECEIPT_CHUNK_HASH);
  copy32(r + RECEIPT_ROOT, d + 13);
  wr64(r + RECEIPT_SLOT, slot);
  emit_leg_applied(r);
  return 0;
}
