/* Account validation and the CPIs every instruction shares
 * (System CreateAccount/Transfer/Allocate/Assign, SPL Token Transfer). */
#include "escrow.h"

static const u8 SYSTEM_PROGRAM_ID[32] = {0};
/* TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA */
static const u8 TOKEN_PROGRAM_ID[32] = {
    0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
    0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9};

static const u8 SEED_CONFIG[] = "config";
static const u8 SEED_AUTHORITY[] = "authority";
static const u8 SEED_POOL[] = "pool";
static const u8 SEED_VAULT[] = "vault";
static const u8 SEED_INTENT[] = "intent";
static const u8 SEED_RECEIPT[] = "receipt";
static const u8 SEED_PAID[] = "paid";
static const u8 SEED_WITHDRAWN[] = "withdrawn";
static const u8 SEED_CLAIM[] = "claim";

void *memcpy(void *dst, const void *src, u64 n) {
  sol_memcpy_(dst, src, n);
  return dst;
}
void *memset(void *dst, int value, u64 n) {
  sol_memset_(dst, (u8)value, n);
  return dst;
}

static u64 account_at(const Ctx *c, u64 index, Acc *out) {
  if (index >= c->in->n) return E_NOT_ENOUGH_ACCOUNTS;
  *out = c->in->acc[index];
  return 0;
}

static u64 need_signer(Acc a) { return A_SIGNER(a) ? 0 : E_MISSING_SIGNER; }
static u64 need_writable(Acc a) { return A_WRITABLE(a) ? 0 : E_NOT_WRITABLE; }

static u64 need_program(Acc a, const u8 *id) {
  return key_eq(A_KEY(a), id) ? 0 : E_WRONG_PROGRAM_ID;
}

/* An escrow-owned account of the given type. Only this program writes
 * accounts it owns and it creates each type only at its PDA, so owner + type
 * tag + size identify a genuine account of that type. */
static u64 load_typed(const Ctx *c, Acc a, u8 tag, u64 size, u8 **data) {
  if (!key_eq(A_OWNER(a), c->program_id)) return E_WRONG_OWNER;
  if (A_DATA_LEN(a) != size || A_DATA(a)[0] != tag) return E_WRONG_ACCOUNT_TYPE;
  *data = A_DATA(a);
  return 0;
}

/* A classic SPL Token account of `mint`; if `owner` is not NULL, owned by it. */
static u64 check_token_account(Acc a, const u8 *mint, const u8 *owner) {
  if (!key_eq(A_OWNER(a), TOKEN_PROGRAM_ID)) return E_WRONG_OWNER;
  if (A_DATA_LEN(a) != TOKEN_ACCOUNT_SIZE) return E_WRONG_ACCOUNT_TYPE;
  if (!key_eq(A_DATA(a) + TA_MINT, mint)) return E_WRONG_MINT;
  if (owner != NULL && !key_eq(A_DATA(a) + TA_OWNER, owner)) return E_WRONG_TOKEN_OWNER;
  return 0;
}

/* The pool state of a mint and its vault token account, both writable. */
static u64 load_pool(const Ctx *c, Acc pool, Acc vault, u8 **data) {
  TRY(load_typed(c, pool, TAG_POOL, POOL_SIZE, data));
  TRY(need_writable(pool));
  if (!key_eq(A_KEY(vault), *data + POOL_VAULT)) return E_WRONG_VAULT;
  return need_writable(vault);
}

static const u8 PDA_MARKER[] = "ProgramDerivedAddress";

/* The canonical PDA of `seeds` (bump not included, n <= 15) and its bump: the
 * search sol_try_find_program_address runs (bump 255 down to 1, the first
 * address off the ed25519 curve), with each try as one sol_sha256 of
 * seeds ‖ bump ‖ program id ‖ "ProgramDerivedAddress" and one
 * sol_curve_validate_point (~300 CU) instead of create_program_address's
 * 1500 CU. Same address and bump as the runtime's derivation, so the CPI
 * signer seeds still derive it; only the canonical bump is ever accepted
 * (no second address per seeds: one receipt, one paid marker). */
static u64 find_pda(const SolSeed *seeds, u64 n, const u8 *program_id, u8 *key, u8 *bump) {
  SolBytes parts[18];
  if (n > 15) return E_INVALID_PDA;
  for (u64 i = 0; i < n; i++) parts[i] = (SolBytes){seeds[i].addr, seeds[i].len};
  u8 b = 255, unused;
  parts[n] = (SolBytes){&b, 1};
  parts[n + 1] = (SolBytes){program_id, 32};
  parts[n + 2] = (SolBytes){PDA_MARKER, sizeof(PDA_MARKER) - 1};
  for (;;) {
    sol_sha256(parts, n + 3, key);
    if (sol_curve_validate_point(0, key, &unused) != 0) {
      *bump = b;
      return 0;
    }
    if (b == 1) return E_INVALID_PDA;
    b--;
  }
}

/* Finds the PDA for `seeds` (bump not included) and requires `a` to be it. */
static u64 expect_pda(const Ctx *c, Acc a, const SolSeed *seeds, u64 n, u8 *bump) {
  u8 key[32];
  TRY(find_pda(seeds, n, c->program_id, key, bump));
  return key_eq(A_KEY(a), key) ? 0 : E_INVALID_PDA;
}

static u64 clock_now(i64 *now, u64 *slot) {
  SolClock clock;
  sol_get_clock_sysvar(&clock);
  *now = clock.unix_timestamp;
  if (slot != NULL) *slot = clock.slot;
  return 0;
}

static u64 checked_add(u64 a, u64 b, u64 *out) {
  u64 s = a + b;
  if (s < a) return E_ARITHMETIC_OVERFLOW;
  *out = s;
  return 0;
}

/* Rent-exempt minimum with the default rent (3480 lamports/byte-year, 2 years). */
static u64 rent_exempt(u64 space) { return (128 + space) * 6960; }

static u64 invoke(const SolIx *ix, const SolAccountInfo *infos, u64 n, const SolSeeds *signer) {
  return sol_invoke_signed_c(ix, infos, n, signer, signer != NULL ? 1 : 0);
}

static u64 system_call(const Ctx *c, Acc target, const u8 *data, u64 len, const SolSeeds *signer) {
  /* payer -> target for CreateAccount/Transfer; target alone otherwise */
  bool two = rd32(data) == 0 || rd32(data) == 2;
  SolMeta metas[2];
  SolAccountInfo infos[2];
  u64 n = 0;
  if (two) {
    metas[n] = (SolMeta){A_KEY(c->payer), true, true};
    account_info(c->payer, &infos[n++]);
  }
  metas[n] = (SolMeta){A_KEY(target), true, rd32(data) != 2};
  account_info(target, &infos[n++]);
  SolIx ix = {SYSTEM_PROGRAM_ID, metas, n, data, len};
  return invoke(&ix, infos, n, rd32(data) == 2 ? NULL : signer);
}

/* Creates `target` (a PDA signed for by `signer`) with `space` bytes owned by
 * `owner`, paid by c->payer. A target already holding lamports (someone sent
 * some to block us) is topped up, allocated and assigned instead. */
static u64 create_pda(const Ctx *c, Acc target, const SolSeeds *signer, u64 space,
                      const u8 *owner) {
  if (!key_eq(A_OWNER(target), SYSTEM_PROGRAM_ID) || A_DATA_LEN(target) != 0)
    return E_ALREADY_INITIALIZED;
  TRY(need_writable(target));
  u64 rent = rent_exempt(space);
  u64 have = *A_LAMPORTS(target);
  u8 buf[52];
  if (have == 0) {
    wr32(buf, 0);
    wr64(buf + 4, rent);
    wr64(buf + 12, space);
    copy32(buf + 20, owner);
    return system_call(c, target, buf, 52, signer);
  }
  if (have < rent) {
    wr32(buf, 2);
    wr64(buf + 4, rent - have);
    TRY(system_call(c, target, buf, 12, signer));
  }
  wr32(buf, 8);
  wr64(buf + 4, space);
  TRY(system_call(c, target, buf, 12, signer));
  wr32(buf, 1);
  copy32(buf + 4, owner);
  return system_call(c, target, buf, 36, signer);
}

/* SPL Token Transfer of `amount` from `from` to `to`, authorised by
 * `authority` (a transaction signer, or the vault authority PDA when
 * `signer` carries its seeds). */
static u64 token_transfer(const Ctx *c, Acc from, Acc to, Acc authority, u64 amount,
                          const SolSeeds *signer) {
  u8 data[9];
  data[0] = 3;
  wr64(data + 1, amount);
  SolMeta metas[3] = {
      {A_KEY(from), true, false}, {A_KEY(to), true, false}, {A_KEY(authority), false, true}};
  SolAccountInfo infos[3];
  account_info(from, &infos[0]);
  account_info(to, &infos[1]);
  account_info(authority, &infos[2]);
  SolIx ix = {TOKEN_PROGRAM_ID, metas, 3, data, 9};
  (void)c;
  return invoke(&ix, infos, 3, signer);
}

/* Vault -> `to`, signed by the vault authority PDA. */
static u64 vault_pay(const Ctx *c, Acc vault, Acc to, u64 amount) {
  u8 bump = c->config[CFG_AUTH_BUMP];
  SolSeed seeds[2] = {{SEED_AUTHORITY, sizeof(SEED_AUTHORITY) - 1}, {&bump, 1}};
  SolSeeds signer = {seeds, 2};
  return token_transfer(c, vault, to, c->authority, amount, &signer);
}

/* Loads the config (writable if asked) into c->config. */
static u64 load_config(Ctx *c, Acc a, bool writable) {
  TRY(load_typed(c, a, TAG_CONFIG, CFG_SIZE, &c->config));
  return writable ? need_writable(a) : 0;
}

static u64 need_authority(Ctx *c, Acc a) {
  if (!key_eq(A_KEY(a), c->config + CFG_AUTHORITY)) return E_INVALID_PDA;
  c->authority = a;
  return 0;
}

static u64 need_system(Ctx *c, Acc a) {
  TRY(need_program(a, SYSTEM_PROGRAM_ID));
  c->system = a;
  return 0;
}

static u64 need_token_program(Ctx *c, Acc a) {
  TRY(need_program(a, TOKEN_PROGRAM_ID));
  c->token = a;
  return 0;
}

static u64 next_account(Ctx *c, Acc *out) {
  TRY(account_at(c, c->cursor, out));
  c->cursor++;
  return 0;
}

/* The next m accounts (from c->cursor) must be >= threshold distinct signers of
 * the current set, each signing the transaction. */
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

/* Whether an SPL Token Transfer of `amount` from the vault to `to` cannot fail
 * (Solana cannot catch a failed CPI, so everything it would check is checked
 * here): a classic SPL Token account, initialised and not frozen, of `mint`,
 * owned by `owner` when given, not the vault itself, with room for the amount. */
static bool deliverable(Acc to, Acc vault, const u8 *mint, const u8 *owner, u64 amount) {
  if (!key_eq(A_OWNER(to), TOKEN_PROGRAM_ID) || A_DATA_LEN(to) != TOKEN_ACCOUNT_SIZE) return false;
  const u8 *d = A_DATA(to);
  if (d[TA_STATE] != TA_STATE_INITIALIZED) return false;
  if (!key_eq(d + TA_MINT, mint)) return false;
  if (owner != NULL && !key_eq(d + TA_OWNER, owner)) return false;
  if (key_eq(A_KEY(to), A_KEY(vault))) return false;
  return rd64(d + TA_AMOUNT) + amount >= amount;
}

/* Credits the note's amount of the pool's mint to the claim PDA ["claim",
 * owner, mint] in c->claim (created on first use, rent paid by c->payer),
 * counts it in the pool's claims and emits ClaimCreated. */
static u64 credit_claim(Ctx *c, u8 *p, const u8 *owner, const ClaimNote *note) {
  Acc claim = c->claim;
  TRY(need_writable(claim));
  u8 bump;
  SolSeed seeds[4] = {{SEED_CLAIM, sizeof(SEED_CLAIM) - 1}, {owner, 32}, {p + POOL_MINT, 32}, {&bump, 1}};
  TRY(expect_pda(c, claim, seeds, 3, &bump));
  u8 *cl;
  if (key_eq(A_OWNER(claim), c->program_id)) {
    TRY(load_typed(c, claim, TAG_CLAIM, CLAIM_SIZE, &cl));
  } else {
    SolSeeds signer = {seeds, 4};
    TRY(create_pda(c, claim, &signer, CLAIM_SIZE, c->program_id));
    cl = A_DATA(claim);
    cl[0] = TAG_CLAIM;
    cl[CLAIM_BUMP] = bump;
    copy32(cl + CLAIM_OWNER, owner);
    copy32(cl + CLAIM_MINT, p + POOL_MINT);
  }
  u64 total, claims;
  TRY(checked_add(rd64(cl + CLAIM_AMOUNT), note->amount, &total));
  TRY(checked_add(rd64(p + POOL_CLAIMS), note->amount, &claims));
  wr64(cl + CLAIM_AMOUNT, total);
  wr64(p + POOL_CLAIMS, claims);
  emit_claim_created(c, cl, note);
  return 0;
}
