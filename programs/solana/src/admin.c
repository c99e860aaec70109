/* Initialize, the admin instructions (pause, destination chains, two-step
 * hand-over) and the self-governed attestor set (propose by a threshold of the
 * current set, activate after the delay fixed at Initialize). */
#include "escrow.h"

static const SetSlot CURRENT_SET = {CFG_THRESHOLD, CFG_SIGNER_COUNT, CFG_SIGNERS};
static const SetSlot PENDING_SET = {CFG_PENDING_THRESHOLD, CFG_PENDING_COUNT, CFG_PENDING_SIGNERS};

/* Validates `threshold | n | signers[n]` at `d` (length `len`). */
static u64 check_signers(const u8 *d, u64 len) {
  if (len < 2) return E_INVALID_INSTRUCTION;
  u8 threshold = d[0], n = d[1];
  if (len != 2 + 32 * (u64)n) return E_INVALID_INSTRUCTION;
  if (n > MAX_SIGNERS || threshold == 0 || threshold > n) return E_INVALID_THRESHOLD;
  const u8 *keys = d + 2;
  for (u64 i = 0; i < n; i++) {
    if (is_zero32(keys + 32 * i)) return E_INVALID_THRESHOLD;
    for (u64 j = 0; j < i; j++)
      if (key_eq(keys + 32 * i, keys + 32 * j)) return E_DUPLICATE_SIGNER;
  }
  return 0;
}

/* Writes a validated `threshold | n | signers[n]` into a set slot of the config. */
static void write_signers(u8 *config, const SetSlot *slot, const u8 *d) {
  sol_memset_(config + slot->keys, 0, 32 * MAX_SIGNERS);
  sol_memcpy_(config + slot->keys, d + 2, 32 * (u64)d[1]);
  config[slot->threshold] = d[0];
  config[slot->count] = d[1];
}

static u64 in_bounds(u64 v, u64 lo, u64 hi, u64 err) { return v >= lo && v <= hi ? 0 : err; }

/* 0 Initialize: chainId u64 | grace u64 | activationDelay u64 | threshold u8 | n u8 | signers. */
static u64 ix_initialize(Ctx *c) {
  const u8 *d = c->in->data;
  u64 len = c->in->data_len;
  if (len < 27) return E_INVALID_INSTRUCTION;
  Acc admin, config, system;
  TRY(account_at(c, 0, &admin));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &system));
  TRY(need_signer(admin));
  TRY(need_writable(admin));
  TRY(need_system(c, system));
  if (key_eq(A_OWNER(config), c->program_id)) return E_ALREADY_INITIALIZED;
  u64 grace = rd64(d + 9), delay = rd64(d + 17);
  TRY(in_bounds(grace, MIN_GRACE, MAX_GRACE, E_INVALID_GRACE));
  TRY(in_bounds(delay, MIN_DELAY, MAX_DELAY, E_INVALID_DELAY));
  TRY(check_signers(d + 25, len - 25));

  u8 bump, auth_bump, authority[32];
  SolSeed seed = {SEED_CONFIG, sizeof(SEED_CONFIG) - 1};
  TRY(expect_pda(c, config, &seed, 1, &bump));
  SolSeed auth_seed = {SEED_AUTHORITY, sizeof(SEED_AUTHORITY) - 1};
  TRY(find_pda(&auth_seed, 1, c->program_id, authority, &auth_bump));

  c->payer = admin;
  SolSeed signer_seeds[2] = {seed, {&bump, 1}};
  SolSeeds signer = {signer_seeds, 2};
  TRY(create_pda(c, config, &signer, CFG_SIZE, c->program_id));

  u8 *cfg = A_DATA(config);
  write_signers(cfg, &CURRENT_SET, d + 25);
  cfg[0] = TAG_CONFIG;
  cfg[CFG_VERSION] = 2;
  cfg[CFG_BUMP] = bump;
  cfg[CFG_AUTH_BUMP] = auth_bump;
  copy32(cfg + CFG_ADMIN, A_KEY(admin));
  wr64(cfg + CFG_CHAIN_ID, rd64(d + 1));
  wr64(cfg + CFG_NONCE, 0);
  wr64(cfg + CFG_GRACE, grace);
  wr64(cfg + CFG_DELAY, delay);
  wr64(cfg + CFG_SET_VERSION, 1);
  copy32(cfg + CFG_AUTHORITY, authority);
  emit_config_changed(cfg, 0, rd64(d + 1));
  return 0;
}

/* Shared prologue of the admin instructions: admin signs, config writable. */
static u64 admin_prologue(Ctx *c) {
  Acc admin, config;
  TRY(account_at(c, 0, &admin));
  TRY(account_at(c, 1, &config));
  TRY(need_signer(admin));
  TRY(load_config(c, config, true));
  return key_eq(A_KEY(admin), c->config + CFG_ADMIN) ? 0 : E_UNAUTHORIZED;
}

/* 7 SetPaused: paused u8. */
static u64 ix_set_paused(Ctx *c) {
  if (c->in->data_len != 2 || c->in->data[1] > 1) return E_INVALID_INSTRUCTION;
  TRY(admin_prologue(c));
  c->config[CFG_PAUSED] = c->in->data[1];
  emit_config_changed(c->config, 2, 0);
  return 0;
}

static bool chain_supported(const u8 *config, u64 chain, u64 *index) {
  u64 n = config[CFG_CHAIN_COUNT];
  for (u64 i = 0; i < n; i++) {
    if (rd64(config + CFG_CHAINS + 8 * i) == chain) {
      if (index != NULL) *index = i;
      return true;
    }
  }
  return false;
}

/* 8 SetDestinationChain: chainId u64 | enabled u8. */
static u64 ix_set_destination_chain(Ctx *c) {
  const u8 *d = c->in->data;
  if (c->in->data_len != 10 || d[9] > 1) return E_INVALID_INSTRUCTION;
  TRY(admin_prologue(c));
  u8 *cfg = c->config;
  u64 chain = rd64(d + 1), index, n = cfg[CFG_CHAIN_COUNT];
  bool present = chain_supported(cfg, chain, &index);
  if (d[9] == 1 && !present) {
    if (n >= MAX_DEST_CHAINS || chain == 0 || chain == rd64(cfg + CFG_CHAIN_ID))
      return E_UNKNOWN_DESTINATION_CHAIN;
    wr64(cfg + CFG_CHAINS + 8 * n, chain);
    cfg[CFG_CHAIN_COUNT] = (u8)(n + 1);
  } else if (d[9] == 0 && present) {
    wr64(cfg + CFG_CHAINS + 8 * index, rd64(cfg + CFG_CHAINS + 8 * (n - 1)));
    wr64(cfg + CFG_CHAINS + 8 * (n - 1), 0);
    cfg[CFG_CHAIN_COUNT] = (u8)(n - 1);
  }
  emit_config_changed(cfg, 3, chain);
  return 0;
}

/* 11 ProposeAdmin: newAdmin [32] (zero cancels). The admin signs. */
static u64 ix_propose_admin(Ctx *c) {
  if (c->in->data_len != 33) return E_INVALID_INSTRUCTION;
  TRY(admin_prologue(c));
  copy32(c->config + CFG_PENDING_ADMIN, c->in->data + 1);
  emit_admin_changed(c->config, 0);
  return 0;
}

/* 12 AcceptAdmin: the proposed admin signs and becomes admin. */
static u64 ix_accept_admin(Ctx *c) {
  if (c->in->data_len != 1) return E_INVALID_INSTRUCTION;
  Acc next, config;
  TRY(account_at(c, 0, &next));
  TRY(account_at(c, 1, &config));
  TRY(need_signer(next));
  TRY(load_config(c, config, true));
  u8 *cfg = c->config;
  if (is_zero32(cfg + CFG_PENDING_ADMIN)) return E_NO_PENDING_CHANGE;
  if (!key_eq(A_KEY(next), cfg + CFG_PENDING_ADMIN)) return E_UNAUTHORIZED;
  copy32(cfg + CFG_ADMIN, A_KEY(next));
  sol_memset_(cfg + CFG_PENDING_ADMIN, 0, 32);
  emit_admin_changed(cfg, 1);
  return 0;
}

/* 9 ProposeSigners: threshold u8 | n u8 | signers. Accounts: config (w), then at
 * least `threshold` distinct signers of the current set (s). Replaces any
 * pending proposal; activates after the config's delay. */
static u64 ix_propose_signers(Ctx *c) {
  const u8 *d = c->in->data + 1;
  u64 len = c->in->data_len - 1;
  Acc config;
  TRY(account_at(c, 0, &config));
  TRY(load_config(c, config, true));
  TRY(check_signers(d, len));
  c->cursor = 1;
  TRY(check_attestors(c, c->in->n - 1));
  i64 now;
  clock_now(&now, NULL);
  u8 *cfg = c->config;
  write_signers(cfg, &PENDING_SET, d);
  wr64(cfg + CFG_PENDING_AT, (u64)now + rd64(cfg + CFG_DELAY));
  emit_signer_set(cfg, EV_SIGNER_SET_PROPOSED, &PENDING_SET, rd64(cfg + CFG_SET_VERSION) + 1, (i64)rd64(cfg + CFG_PENDING_AT));
  return 0;
}

/* 10 ActivateSigners: anyone, once the pending set's activation time has come. */
static u64 ix_activate_signers(Ctx *c) {
  if (c->in->data_len != 1) return E_INVALID_INSTRUCTION;
  Acc config;
  TRY(account_at(c, 0, &config));
  TRY(load_config(c, config, true));
  u8 *cfg = c->config;
  i64 at = (i64)rd64(cfg + CFG_PENDING_AT), now;
  if (at == 0) return E_NO_PENDING_CHANGE;
  clock_now(&now, NULL);
  if (now < at) return E_TOO_EARLY;
  u8 set[2 + 32 * MAX_SIGNERS];
  set[0] = cfg[CFG_PENDING_THRESHOLD];
  set[1] = cfg[CFG_PENDING_COUNT];
  sol_memcpy_(set + 2, cfg + CFG_PENDING_SIGNERS, 32 * MAX_SIGNERS);
  write_signers(cfg, &CURRENT_SET, set);
  sol_memset_(cfg + CFG_PENDING_AT, 0, 8 + 8 + 32 * MAX_SIGNERS);
  wr64(cfg + CFG_SET_VERSION, rd64(cfg + CFG_SET_VERSION) + 1);
  emit_signer_set(cfg, EV_SIGNER_SET_ACTIVATED, &CURRENT_SET, rd64(cfg + CFG_SET_VERSION), now);
  return 0;
}
