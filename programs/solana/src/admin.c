/* Initialize and the admin instructions (signer set, pause, destination chains). */
#include "escrow.h"

/* Validates `threshold | n | signers[n]` at `d` (length `len`) and writes it
 * into the config. */
static u64 write_signers(u8 *config, const u8 *d, u64 len) {
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
  sol_memset_(config + CFG_SIGNERS, 0, 32 * MAX_SIGNERS);
  sol_memcpy_(config + CFG_SIGNERS, keys, 32 * (u64)n);
  config[CFG_THRESHOLD] = threshold;
  config[CFG_SIGNER_COUNT] = n;
  return 0;
}

/* 0 Initialize: chainId u64 | grace u64 | threshold u8 | n u8 | signers. */
static u64 ix_initialize(Ctx *c) {
  const u8 *d = c->in->data;
  u64 len = c->in->data_len;
  if (len < 19) return E_INVALID_INSTRUCTION;
  Acc admin, config, system;
  TRY(account_at(c, 0, &admin));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &system));
  TRY(need_signer(admin));
  TRY(need_writable(admin));
  TRY(need_system(c, system));
  if (key_eq(A_OWNER(config), c->program_id)) return E_ALREADY_INITIALIZED;

  u8 bump, auth_bump, authority[32];
  SolSeed seed = {SEED_CONFIG, sizeof(SEED_CONFIG) - 1};
  TRY(expect_pda(c, config, &seed, 1, &bump));
  SolSeed auth_seed = {SEED_AUTHORITY, sizeof(SEED_AUTHORITY) - 1};
  if (sol_try_find_program_address(&auth_seed, 1, c->program_id, authority, &auth_bump) != 0)
    return E_INVALID_PDA;

  /* validate the signer set before paying for anything */
  u8 scratch[CFG_SIZE];
  TRY(write_signers(scratch, d + 17, len - 17));

  c->payer = admin;
  SolSeed signer_seeds[2] = {seed, {&bump, 1}};
  SolSeeds signer = {signer_seeds, 2};
  TRY(create_pda(c, config, &signer, CFG_SIZE, c->program_id));

  u8 *cfg = A_DATA(config);
  TRY(write_signers(cfg, d + 17, len - 17));
  cfg[0] = TAG_CONFIG;
  cfg[1] = 1;
  cfg[CFG_BUMP] = bump;
  cfg[CFG_AUTH_BUMP] = auth_bump;
  copy32(cfg + CFG_ADMIN, A_KEY(admin));
  wr64(cfg + CFG_CHAIN_ID, rd64(d + 1));
  wr64(cfg + CFG_NONCE, 0);
  wr64(cfg + CFG_GRACE, rd64(d + 9));
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

/* 6 SetSigners: threshold u8 | n u8 | signers. */
static u64 ix_set_signers(Ctx *c) {
  TRY(admin_prologue(c));
  TRY(write_signers(c->config, c->in->data + 1, c->in->data_len - 1));
  emit_config_changed(c->config, 1, 0);
  return 0;
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
