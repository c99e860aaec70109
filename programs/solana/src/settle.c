/* Settle: applies one chunk of this chain's leg of an epoch's batch. */
#include "escrow.h"

/* The fields of one action's leaf; token/account point into validated accounts. */
typedef struct {
  u8 kind;
  const u8 *intent_id;
  const u8 *token;
  const u8 *account; /* NULL = zero */
  u64 amount;
} Leaf;

/* keccak256(abi.encode(uint64 chainId, uint64 epoch, uint8 kind, bytes32 intentId,
 *                      bytes32 token, bytes32 account, uint256 amount)) */
static void leaf_hash(const Ctx *c, const Leaf *l, u8 *out) {
  u8 w[224];
  wr_be_word(w, rd64(c->config + CFG_CHAIN_ID));
  wr_be_word(w + 32, c->epoch);
  wr_be_word(w + 64, l->kind);
  copy32(w + 96, l->intent_id);
  copy32(w + 128, l->token);
  if (l->account != NULL) copy32(w + 160, l->account);
  else wr_be_word(w + 160, 0);
  wr_be_word(w + 192, l->amount);
  SolBytes slice = {w, 224};
  sol_keccak256(&slice, 1, out);
}

static u64 next_account(Ctx *c, Acc *out) {
  TRY(account_at(c, c->cursor, out));
  c->cursor++;
  return 0;
}

static u64 take_from_pool(u8 *p, u64 amount) {
  if (amount == 0) return E_ZERO_AMOUNT;
  u64 balance = rd64(p + POOL_BALANCE);
  if (balance < amount) return E_INSUFFICIENT_POOL;
  wr64(p + POOL_BALANCE, balance - amount);
  return 0;
}

/* Release / Refund of a local Open intent. */
static u64 act_intent(Ctx *c, const u8 *action, Leaf *leaf) {
  Acc intent, pool, vault, to;
  TRY(next_account(c, &intent));
  TRY(next_account(c, &pool));
  u8 *it, *p;
  if (leaf->kind == ACT_RELEASE) {
    TRY(load_typed(c, pool, TAG_POOL, POOL_SIZE, &p));
    TRY(need_writable(pool));
    TRY(load_typed(c, intent, TAG_INTENT, INTENT_SIZE, &it));
    TRY(need_writable(intent));
    if (!key_eq(p + POOL_MINT, it + INTENT_MINT)) return E_WRONG_MINT;
    if (it[INTENT_STATUS] != STATUS_OPEN) return E_INTENT_NOT_OPEN;
  } else {
    TRY(next_account(c, &vault));
    TRY(next_account(c, &to));
    u8 *loaded[2];
    TRY(load_open_intent(c, intent, pool, vault, loaded));
    it = loaded[0];
    p = loaded[1];
  }
  if (!key_eq(it + INTENT_ID, action + 1)) return E_INTENT_MISMATCH;
  u64 amount = rd64(it + INTENT_AMOUNT);
  leaf->token = it + INTENT_MINT;
  if (leaf->kind == ACT_RELEASE) {
    if (leaf->amount != 0) return E_INVALID_ACTION_FIELD;
    u64 escrowed = rd64(p + POOL_ESCROWED), balance;
    if (escrowed < amount) return E_ARITHMETIC_OVERFLOW;
    TRY(checked_add(rd64(p + POOL_BALANCE), amount, &balance));
    wr64(p + POOL_ESCROWED, escrowed - amount);
    wr64(p + POOL_BALANCE, balance);
    it[INTENT_STATUS] = STATUS_RELEASED;
    emit_intent_released(it, c->epoch);
    return 0;
  }
  if (leaf->amount != amount) return E_INVALID_ACTION_FIELD;
  leaf->account = it + INTENT_DEPOSITOR;
  TRY(refund_intent(c, it, p, vault, to));
  emit_intent_refunded(it, c->epoch, 0);
  return 0;
}

/* Payout (with a paid marker) or Withdraw from the pool. */
static u64 act_outflow(Ctx *c, const u8 *action, Leaf *leaf) {
  Acc marker, pool, vault, to;
  bool payout = leaf->kind == ACT_PAYOUT;
  if (payout) TRY(next_account(c, &marker));
  else if (!is_zero32(action + 1)) return E_INVALID_ACTION_FIELD;
  TRY(next_account(c, &pool));
  TRY(next_account(c, &vault));
  TRY(next_account(c, &to));
  u8 *p;
  TRY(load_pool(c, pool, vault, &p));
  TRY(need_writable(to));
  TRY(check_token_account(to, p + POOL_MINT, NULL));
  TRY(take_from_pool(p, leaf->amount));
  if (payout) {
    u8 bump;
    SolSeed seeds[3] = {{SEED_PAID, sizeof(SEED_PAID) - 1}, {action + 1, 32}, {&bump, 1}};
    TRY(expect_pda(c, marker, seeds, 2, &bump));
    if (key_eq(A_OWNER(marker), c->program_id)) return E_ALREADY_PAID;
    SolSeeds signer = {seeds, 3};
    TRY(create_pda(c, marker, &signer, PAID_SIZE, c->program_id));
    u8 *m = A_DATA(marker);
    m[0] = TAG_PAID;
    m[PAID_BUMP] = bump;
    wr64(m + PAID_EPOCH, c->epoch);
    wr64(m + PAID_AMOUNT, leaf->amount);
    copy32(m + PAID_MINT, p + POOL_MINT);
  }
  TRY(vault_pay(c, vault, to, leaf->amount));
  leaf->token = p + POOL_MINT;
  leaf->account = A_DATA(to) + TA_OWNER;
  emit_outflow(payout ? action + 1 : NULL, p + POOL_MINT, to, leaf->amount, c->epoch);
  return 0;
}

/* The attestors (accounts 6..6+m) must be >= threshold distinct registered signers. */
static u64 check_attestors(Ctx *c, u64 m) {
  const u8 *cfg = c->config;
  u64 n = cfg[CFG_SIGNER_COUNT], seen = 0, count = 0;
  for (u64 i = 0; i < m; i++) {
    Acc a;
    TRY(next_account(c, &a));
    TRY(need_signer(a));
    u64 j = 0;
    while (j < n && !key_eq(A_KEY(a), cfg + CFG_SIGNERS + 32 * j)) j++;
    if (j == n) return E_SIGNER_NOT_REGISTERED;
    if (seen & ((u64)1 << j)) return E_DUPLICATE_SIGNER;
    seen |= (u64)1 << j;
    count++;
  }
  return count >= cfg[CFG_THRESHOLD] ? 0 : E_BELOW_THRESHOLD;
}

/* 3 Settle. Data: epoch u64 | chunk u32 | root[32] | m u8 | k u8 | actions[k]{kind u8, id[32], amount u64}.
 * Accounts: payer, config, receipt, authority, system, token, attestors[m], action groups. */
static u64 ix_settle(Ctx *c) {
  const u8 *d = c->in->data;
  u64 len = c->in->data_len;
  if (len < 47) return E_INVALID_INSTRUCTION;
  u64 epoch = rd64(d + 1), m = d[45], k = d[46];
  u32 chunk = rd32(d + 9);
  if (k == 0 || k > MAX_ACTIONS || len != 47 + ACTION_SIZE * k) return E_INVALID_INSTRUCTION;
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

  u8 leaves[MAX_ACTIONS][32];
  SolBytes slices[MAX_ACTIONS];
  for (u64 i = 0; i < k; i++) {
    const u8 *action = d + 47 + ACTION_SIZE * i;
    Leaf leaf = {action[0], action + 1, NULL, NULL, rd64(action + 33)};
    if (leaf.kind == ACT_RELEASE || leaf.kind == ACT_REFUND) TRY(act_intent(c, action, &leaf));
    else if (leaf.kind == ACT_PAYOUT || leaf.kind == ACT_WITHDRAW) TRY(act_outflow(c, action, &leaf));
    else return E_INVALID_ACTION_FIELD;
    leaf_hash(c, &leaf, leaves[i]);
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
  u64 slot;
  i64 now;
  clock_now(&now, &slot);
  wr64(r + RECEIPT_SLOT, slot);
  emit_leg_applied(r);
  return 0;
}
