/* Minimal Solana program SDK for a freestanding C program on SBPFv0.
 * Types, the loader's input deserialiser (aligned format), syscall
 * declarations and CPI structures. Written for this project; the C ABI of
 * the structures is the one the runtime's `sol_invoke_signed_c` expects. */
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed long long i64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* ---- syscalls (resolved by the loader through murmur3 of the name) ---- */
typedef struct { const u8 *addr; u64 len; } SolBytes;
typedef struct { const u8 *addr; u64 len; } SolSeed;
typedef struct { const SolSeed *addr; u64 len; } SolSeeds;
typedef struct { const u8 *key; bool is_writable; bool is_signer; } SolMeta;
typedef struct {
  const u8 *program_id;
  const SolMeta *accounts;
  u64 account_len;
  const u8 *data;
  u64 data_len;
} SolIx;
typedef struct {
  const u8 *key;
  u64 *lamports;
  u64 data_len;
  u8 *data;
  const u8 *owner;
  u64 rent_epoch;
  bool is_signer;
  bool is_writable;
  bool executable;
} SolAccountInfo;
typedef struct {
  u64 slot;
  i64 epoch_start_timestamp;
  u64 epoch;
  u64 leader_schedule_epoch;
  i64 unix_timestamp;
} SolClock;

void sol_log_(const char *msg, u64 len);
void sol_log_64_(u64 a, u64 b, u64 c, u64 d, u64 e);
void sol_log_data(const SolBytes *fields, u64 n);
u64 sol_keccak256(const SolBytes *fields, u64 n, u8 *out);
u64 sol_create_program_address(const SolSeed *seeds, u64 n, const u8 *program_id, u8 *out);
u64 sol_try_find_program_address(const SolSeed *seeds, u64 n, const u8 *program_id, u8 *out,
                                 u8 *bump);
u64 sol_sha256(const SolBytes *fields, u64 n, u8 *out);
/* 0 if `point` (32 bytes) is a point of the curve (0 = edwards25519), 1 if not. */
u64 sol_curve_validate_point(u64 curve_id, const u8 *point, u8 *result);
u64 sol_invoke_signed_c(const SolIx *ix, const SolAccountInfo *infos, u64 n_infos,
                        const SolSeeds *signers, u64 n_signers);
u64 sol_get_clock_sysvar(SolClock *out);
void sol_memcpy_(void *dst, const void *src, u64 n);
void sol_memset_(void *dst, u8 value, u64 n);
void sol_memcmp_(const void *a, const void *b, u64 n, int *result);

/* clang may lower struct copies to these; route them to the syscalls. */
void *memcpy(void *dst, const void *src, u64 n);
void *memset(void *dst, int value, u64 n);

#define LOG(s) sol_log_((s), sizeof(s) - 1)

/* ---- little-endian field access ----
 * The SBPF VM allows unaligned loads and stores, so fields are read with
 * plain 64/32-bit accesses wherever they sit. */
static inline u64 rd64(const u8 *p) { return *(const u64 *)p; }
static inline u32 rd32(const u8 *p) { return *(const u32 *)p; }
static inline void wr64(u8 *p, u64 v) { *(u64 *)p = v; }
static inline void wr32(u8 *p, u32 v) { *(u32 *)p = v; }
/* big-endian u64 into the last 8 bytes of a 32-byte word, the rest zero */
static inline void wr_be_word(u8 *word, u64 v) {
  u64 *w = (u64 *)word;
  w[0] = 0; w[1] = 0; w[2] = 0;
  w[3] = __builtin_bswap64(v);
}

static inline bool key_eq(const u8 *a, const u8 *b) {
  const u64 *x = (const u64 *)a, *y = (const u64 *)b;
  return (x[0] == y[0]) & (x[1] == y[1]) & (x[2] == y[2]) & (x[3] == y[3]);
}
static inline bool is_zero32(const u8 *a) {
  const u64 *x = (const u64 *)a;
  return (x[0] | x[1] | x[2] | x[3]) == 0;
}
static inline void copy32(u8 *dst, const u8 *src) {
  u64 *d = (u64 *)dst;
  const u64 *s = (const u64 *)src;
  d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
}

/* ---- input deserialisation (loader v2/v3 aligned format) ----
 * An account is referred to by a pointer to its serialized header:
 *   +0 dup marker (0xff) | +1 is_signer | +2 is_writable | +3 executable
 *   +8 key[32] | +40 owner[32] | +72 lamports u64 | +80 data_len u64 | +88 data
 * A duplicate entry points at the header of the account it duplicates. */
#define MAX_ACCOUNTS 192
#define MAX_PERMITTED_DATA_INCREASE 10240

typedef const u8 *Acc;
#define A_SIGNER(a) ((a)[1])
#define A_WRITABLE(a) ((a)[2])
#define A_KEY(a) ((a) + 8)
#define A_OWNER(a) ((a) + 40)
#define A_LAMPORTS(a) ((u64 *)((a) + 72))
#define A_DATA_LEN(a) (*(const u64 *)((a) + 80))
#define A_DATA(a) ((u8 *)((a) + 88))

typedef struct {
  Acc acc[MAX_ACCOUNTS];
  u64 n;
  const u8 *data;
  u64 data_len;
  const u8 *program_id;
} Input;

/* Returns false if the transaction carries more accounts than MAX_ACCOUNTS. */
static bool deserialize(const u8 *in, Input *out) {
  u64 n = *(const u64 *)in;
  const u8 *p = in + 8;
  if (n > MAX_ACCOUNTS) return false;
  out->n = n;
  for (u64 i = 0; i < n; i++) {
    if (p[0] == 0xff) {
      out->acc[i] = p;
      u64 len = *(const u64 *)(p + 80);
      p += 88 + len + MAX_PERMITTED_DATA_INCREASE;
      p = (const u8 *)(((u64)p + 7) & ~(u64)7);
      p += 8; /* rent epoch */
    } else {
      out->acc[i] = out->acc[p[0]];
      p += 8;
    }
  }
  out->data_len = *(const u64 *)p;
  out->data = p + 8;
  out->program_id = p + 8 + out->data_len;
  return true;
}

/* Account info for CPI, pointing into the serialized input. */
static inline void account_info(Acc a, SolAccountInfo *info) {
  info->key = A_KEY(a);
  info->lamports = A_LAMPORTS(a);
  info->data_len = A_DATA_LEN(a);
  info->data = A_DATA(a);
  info->owner = A_OWNER(a);
  info->rent_epoch = 0;
  info->is_signer = a[1];
  info->is_writable = a[2];
  info->executable = a[3];
}
