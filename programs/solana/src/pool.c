/* Per-mint pool state and vault token account: CreatePool and Fund. */
#include "escrow.h"

/* 1 CreatePool: registers a mint (admin only; only registered mints have a
 * pool, so only they can be opened or funded).
 * Accounts: admin (payer), config, mint, pool, vault, authority, system, token. */
static u64 ix_create_pool(Ctx *c) {
  if (c->in->data_len != 1) return E_INVALID_INSTRUCTION;
  Acc payer, config, mint, pool, vault, authority, system, token;
  TRY(account_at(c, 0, &payer));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &mint));
  TRY(account_at(c, 3, &pool));
  TRY(account_at(c, 4, &vault));
  TRY(account_at(c, 5, &authority));
  TRY(account_at(c, 6, &system));
  TRY(account_at(c, 7, &token));
  TRY(need_signer(payer));
  TRY(need_writable(payer));
  TRY(load_config(c, config, false));
  if (!key_eq(A_KEY(payer), c->config + CFG_ADMIN)) return E_UNAUTHORIZED;
  TRY(need_authority(c, authority));
  TRY(need_system(c, system));
  TRY(need_token_program(c, token));
  if (!key_eq(A_OWNER(mint), TOKEN_PROGRAM_ID)) return E_WRONG_OWNER;
  if (A_DATA_LEN(mint) != TOKEN_MINT_SIZE) return E_WRONG_ACCOUNT_TYPE;

  u8 pool_bump, vault_bump;
  SolSeed pool_seeds[3] = {{SEED_POOL, sizeof(SEED_POOL) - 1}, {A_KEY(mint), 32}, {&pool_bump, 1}};
  SolSeed vault_seeds[3] = {
      {SEED_VAULT, sizeof(SEED_VAULT) - 1}, {A_KEY(mint), 32}, {&vault_bump, 1}};
  TRY(expect_pda(c, pool, pool_seeds, 2, &pool_bump));
  TRY(expect_pda(c, vault, vault_seeds, 2, &vault_bump));

  c->payer = payer;
  SolSeeds pool_signer = {pool_seeds, 3}, vault_signer = {vault_seeds, 3};
  TRY(create_pda(c, pool, &pool_signer, POOL_SIZE, c->program_id));
  TRY(create_pda(c, vault, &vault_signer, TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM_ID));

  /* InitializeAccount3(owner = vault authority) */
  u8 data[33];
  data[0] = 18;
  copy32(data + 1, A_KEY(authority));
  SolMeta metas[2] = {{A_KEY(vault), true, false}, {A_KEY(mint), false, false}};
  SolAccountInfo infos[2];
  account_info(vault, &infos[0]);
  account_info(mint, &infos[1]);
  SolIx ix = {TOKEN_PROGRAM_ID, metas, 2, data, 33};
  TRY(invoke(&ix, infos, 2, NULL));

  u8 *p = A_DATA(pool);
  p[0] = TAG_POOL;
  p[POOL_BUMP] = pool_bump;
  p[POOL_VAULT_BUMP] = vault_bump;
  copy32(p + POOL_MINT, A_KEY(mint));
  copy32(p + POOL_VAULT, A_KEY(vault));
  emit_mint_registered(p, A_KEY(pool));
  return 0;
}

/* 5 Fund: amount u64. Accounts: funder, funder token account, pool, vault, token. */
static u64 ix_fund(Ctx *c) {
  if (c->in->data_len != 9) return E_INVALID_INSTRUCTION;
  u64 amount = rd64(c->in->data + 1);
  Acc funder, source, pool, vault, token;
  TRY(account_at(c, 0, &funder));
  TRY(account_at(c, 1, &source));
  TRY(account_at(c, 2, &pool));
  TRY(account_at(c, 3, &vault));
  TRY(account_at(c, 4, &token));
  TRY(need_signer(funder));
  TRY(need_writable(source));
  TRY(need_token_program(c, token));
  u8 *p;
  TRY(load_pool(c, pool, vault, &p));
  TRY(check_token_account(source, p + POOL_MINT, A_KEY(funder)));
  if (amount == 0) return E_ZERO_AMOUNT;
  u64 balance;
  TRY(checked_add(rd64(p + POOL_BALANCE), amount, &balance));
  TRY(token_transfer(c, source, vault, funder, amount, NULL));
  wr64(p + POOL_BALANCE, balance);
  emit_pool_funded(p, A_KEY(funder), amount);
  return 0;
}

/* 13 Claim: the claim's owner collects all of it to a token account of their
 * choice (any owner, the claim's mint, deliverable). Works while paused.
 * Accounts: owner (s), config, claim (w), pool (w), vault (w), destination (w), authority, token. */
static u64 ix_claim(Ctx *c) {
  if (c->in->data_len != 1) return E_INVALID_INSTRUCTION;
  Acc owner, config, claim, pool, vault, to, authority, token;
  TRY(account_at(c, 0, &owner));
  TRY(account_at(c, 1, &config));
  TRY(account_at(c, 2, &claim));
  TRY(account_at(c, 3, &pool));
  TRY(account_at(c, 4, &vault));
  TRY(account_at(c, 5, &to));
  TRY(account_at(c, 6, &authority));
  TRY(account_at(c, 7, &token));
  TRY(need_signer(owner));
  TRY(load_config(c, config, false));
  TRY(need_authority(c, authority));
  TRY(need_token_program(c, token));
  u8 *cl, *p;
  TRY(load_typed(c, claim, TAG_CLAIM, CLAIM_SIZE, &cl));
  TRY(need_writable(claim));
  if (!key_eq(A_KEY(owner), cl + CLAIM_OWNER)) return E_UNAUTHORIZED;
  TRY(load_pool(c, pool, vault, &p));
  if (!key_eq(p + POOL_MINT, cl + CLAIM_MINT)) return E_WRONG_MINT;
  TRY(need_writable(to));
  u64 amount = rd64(cl + CLAIM_AMOUNT), claims = rd64(p + POOL_CLAIMS);
  if (amount == 0) return E_ZERO_AMOUNT;
  if (claims < amount) return E_ARITHMETIC_OVERFLOW;
  if (!deliverable(to, vault, cl + CLAIM_MINT, NULL, amount)) return E_UNDELIVERABLE;
  TRY(vault_pay(c, vault, to, amount));
  wr64(cl + CLAIM_AMOUNT, 0);
  wr64(p + POOL_CLAIMS, claims - amount);
  emit_claimed(cl, to, amount);
  return 0;
}
