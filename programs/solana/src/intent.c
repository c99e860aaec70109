/* Intents: Open, the refund shared by Settle and RefundExpired, RefundExpired. */
#include "escrow.h"

/* keccak256(chainId BE32 | program id | nonce BE32), as docs/ARCHITECTURE.md fixes it. */
static void intent_id(const Ctx *c, u64 chain, u64 nonce, u8 *out) {
  u8 pre[96];
  wr_be_word(pre, chain);
  copy32(pre + 32, c->program_id);
  wr_be_word(pre + 64, nonce);
  SolBytes slice = {pre, 96};
  sol_keccak256(&slice, 1, out);
}

/* 2 Open. Data: mint[32] amount u64 dest u64 outputToken[32] minOut[32] recipient[32] deadline i64.
 * Accounts: depositor, config, intent, depositor token account, pool, vault, system, token. */
static u64 ix_open(Ctx *c) {
  const u8 *d = c->in->data;
  if (c->in->data_len != 153) return E_INVALID_INSTRUCTION;
  const u8 *mint = d + 1;
  u64 amount = rd64(d + 33), dest = rd64(d + 41);
  i64 deadline = (i64)rd64(d + 145);
  Acc depositor, config, intent, source, pool, vault, system, token;
  TRY(account_at(c, 0, &depositor));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &intent));
  TRY(account_at(c, 3, &source));
  TRY(account_at(c, 4, &pool));
  TRY(account_at(c, 5, &vault));
  TRY(account_at(c, 6, &system));
  TRY(account_at(c, 7, &token));
  TRY(need_signer(depositor));
  TRY(need_writable(depositor));
  TRY(load_config(c, config, true));
  TRY(need_system(c, system));
  TRY(need_token_program(c, token));
  u8 *cfg = c->config;
  if (cfg[CFG_PAUSED]) return E_PAUSED;
  if (amount == 0) return E_ZERO_AMOUNT;
  i64 now;
  clock_now(&now, NULL);
  if (deadline <= now) return E_DEADLINE_PASSED;
  if (!chain_supported(cfg, dest, NULL)) return E_UNKNOWN_DESTINATION_CHAIN;
  if (is_zero32(d + 113)) return E_ZERO_RECIPIENT;

  u8 *p;
  TRY(load_pool(c, pool, vault, &p));
  if (!key_eq(p + POOL_MINT, mint)) return E_WRONG_MINT;
  TRY(need_writable(source));
  TRY(check_token_account(source, mint, A_KEY(depositor)));
  u64 escrowed;
  TRY(checked_add(rd64(p + POOL_ESCROWED), amount, &escrowed));

  u64 nonce = rd64(cfg + CFG_NONCE);
  u8 id[32], bump;
  intent_id(c, rd64(cfg + CFG_CHAIN_ID), nonce, id);
  SolSeed seeds[3] = {{SEED_INTENT, sizeof(SEED_INTENT) - 1}, {id, 32}, {&bump, 1}};
  TRY(expect_pda(c, intent, seeds, 2, &bump));
  c->payer = depositor;
  SolSeeds signer = {seeds, 3};
  TRY(create_pda(c, intent, &signer, INTENT_SIZE, c->program_id));
  TRY(token_transfer(c, source, vault, depositor, amount, NULL));

  u8 *it = A_DATA(intent);
  it[0] = TAG_INTENT;
  it[INTENT_STATUS] = STATUS_OPEN;
  it[INTENT_BUMP] = bump;
  copy32(it + INTENT_ID, id);
  wr64(it + INTENT_NONCE, nonce);
  copy32(it + INTENT_DEPOSITOR, A_KEY(depositor));
  copy32(it + INTENT_MINT, mint);
  wr64(it + INTENT_AMOUNT, amount);
  wr64(it + INTENT_DEST_CHAIN, dest);
  copy32(it + INTENT_OUTPUT_TOKEN, d + 49);
  copy32(it + INTENT_MIN_OUTPUT, d + 81);
  copy32(it + INTENT_RECIPIENT, d + 113);
  wr64(it + INTENT_DEADLINE, (u64)deadline);
  wr64(it + INTENT_OPENED_AT, (u64)now);
  wr64(cfg + CFG_NONCE, nonce + 1);
  wr64(p + POOL_ESCROWED, escrowed);
  emit_intent_opened(it, rd64(cfg + CFG_CHAIN_ID));
  return 0;
}

/* An intent account (writable) of any status and its pool/vault: out[0] =
 * intent data, out[1] = pool data. */
static u64 load_intent(const Ctx *c, Acc intent, Acc pool, Acc vault, u8 **out) {
  TRY(load_typed(c, intent, TAG_INTENT, INTENT_SIZE, &out[0]));
  TRY(need_writable(intent));
  TRY(load_pool(c, pool, vault, &out[1]));
  return key_eq(out[1] + POOL_MINT, out[0] + INTENT_MINT) ? 0 : E_WRONG_MINT;
}

/* The same, and the intent must be Open. */
static u64 load_open_intent(const Ctx *c, Acc intent, Acc pool, Acc vault, u8 **out) {
  TRY(load_intent(c, intent, pool, vault, out));
  return out[0][INTENT_STATUS] == STATUS_OPEN ? 0 : E_INTENT_NOT_OPEN;
}

/* Whether `now` is past the intent's Release window: fillDeadline + grace. */
static bool past_window(const u8 *config, const u8 *it, i64 now) {
  i64 deadline = (i64)rd64(it + INTENT_DEADLINE);
  return now > deadline && (u64)(now - deadline) > rd64(config + CFG_GRACE);
}

/* Returns an Open intent's input to its depositor: to `to` when deliverable,
 * else (Settle only, c->claim set) as a claim of the depositor. The intent is
 * Refunded either way. Needs c->config, c->authority and c->token loaded. */
static u64 refund_intent(Ctx *c, u8 *it, u8 *p, Acc vault, Acc to) {
  TRY(need_writable(to));
  u64 amount = rd64(it + INTENT_AMOUNT);
  u64 escrowed = rd64(p + POOL_ESCROWED);
  if (escrowed < amount) return E_ARITHMETIC_OVERFLOW;
  wr64(p + POOL_ESCROWED, escrowed - amount);
  it[INTENT_STATUS] = STATUS_REFUNDED;
  if (deliverable(to, vault, it + INTENT_MINT, it + INTENT_DEPOSITOR, amount))
    return vault_pay(c, vault, to, amount);
  if (c->claim == NULL) return E_UNDELIVERABLE;
  ClaimNote note = {ACT_REFUND, it + INTENT_ID, amount, to};
  return credit_claim(c, p, it + INTENT_DEPOSITOR, &note);
}

/* 4 RefundExpired, strictly after fillDeadline + grace (the Release window).
 * Accounts: config, intent, pool, vault, depositor token account, authority, token.
 * The depositor's account must be deliverable (the caller picks it). */
static u64 ix_refund_expired(Ctx *c) {
  if (c->in->data_len != 1) return E_INVALID_INSTRUCTION;
  Acc config, intent, pool, vault, to, authority, token;
  TRY(account_at(c, 0, &config));
  TRY(account_at(c, 1, &intent));
  TRY(account_at(c, 2, &pool));
  TRY(account_at(c, 3, &vault));
  TRY(account_at(c, 4, &to));
  TRY(account_at(c, 5, &authority));
  TRY(account_at(c, 6, &token));
  TRY(load_config(c, config, false));
  TRY(need_authority(c, authority));
  TRY(need_token_program(c, token));
  u8 *loaded[2];
  TRY(load_open_intent(c, intent, pool, vault, loaded));
  u8 *it = loaded[0], *p = loaded[1];
  i64 now;
  clock_now(&now, NULL);
  if (!past_window(c->config, it, now)) return E_TOO_EARLY;
  TRY(refund_intent(c, it, p, vault, to));
  emit_intent_refunded(it, 0, 1);
  return 0;
}
