/* Escrow state layouts, instruction tags, error codes and event tags.
 * Byte offsets match programs/solana/README.md; change both together. */
#pragma once
#include "sdk.h"

/* ---- instruction tags ---- */
enum {
  IX_INITIALIZE = 0,
  IX_CREATE_POOL = 1,
  IX_OPEN = 2,
  IX_SETTLE = 3,
  IX_REFUND_EXPIRED = 4,
  IX_FUND = 5,
  IX_RETIRED_SET_SIGNERS = 6, /* v1's admin SetSigners: gone in v2 (InvalidInstruction) */
  IX_SET_PAUSED = 7,
  IX_SET_DESTINATION_CHAIN = 8,
  IX_PROPOSE_SIGNERS = 9,
  IX_ACTIVATE_SIGNERS = 10,
  IX_PROPOSE_ADMIN = 11,
  IX_ACCEPT_ADMIN = 12,
  IX_CLAIM = 13,
};

/* ---- custom error codes (InstructionError::Custom(n)) ---- */
enum {
  E_INVALID_INSTRUCTION = 1,
  E_NOT_ENOUGH_ACCOUNTS = 2,
  E_MISSING_SIGNER = 3,
  E_NOT_WRITABLE = 4,
  E_WRONG_OWNER = 5,
  E_WRONG_ACCOUNT_TYPE = 6,
  E_INVALID_PDA = 7,
  E_WRONG_PROGRAM_ID = 8,
  E_ALREADY_INITIALIZED = 9,
  E_UNAUTHORIZED = 10,
  E_PAUSED = 11,
  E_ZERO_AMOUNT = 12,
  E_DEADLINE_PASSED = 13,
  E_UNKNOWN_DESTINATION_CHAIN = 14,
  E_ZERO_RECIPIENT = 15,
  E_WRONG_MINT = 16,
  E_WRONG_TOKEN_OWNER = 17,
  E_WRONG_VAULT = 18,
  E_SIGNER_NOT_REGISTERED = 19,
  E_DUPLICATE_SIGNER = 20,
  E_BELOW_THRESHOLD = 21,
  E_CHUNK_ALREADY_APPLIED = 22,
  E_ALREADY_PAID = 23,
  E_INSUFFICIENT_POOL = 24,
  E_INTENT_NOT_OPEN = 25,
  E_TOO_EARLY = 26,
  E_INVALID_THRESHOLD = 27,
  E_INTENT_MISMATCH = 28,
  E_ARITHMETIC_OVERFLOW = 29,
  E_INVALID_ACTION_FIELD = 30,
  E_MIXED_CHUNK = 31,
  E_RELEASE_WINDOW_CLOSED = 32,
  E_INVALID_GRACE = 33,
  E_INVALID_DELAY = 34,
  E_NO_PENDING_CHANGE = 35,
  E_ALREADY_WITHDRAWN = 36,
  E_UNDELIVERABLE = 37,
};

/* ---- protocol v2 bounds (seconds) ---- */
#define MIN_GRACE 3600ULL
#define MAX_GRACE 2592000ULL /* 30 days */
#define MIN_DELAY 3600ULL
#define MAX_DELAY 2592000ULL /* 30 days */

#define TRY(expr)            \
  do {                       \
    u64 err_ = (expr);       \
    if (err_ != 0) return err_; \
  } while (0)

/* ---- account type tags ---- */
enum { TAG_CONFIG = 1, TAG_POOL = 2, TAG_INTENT = 3, TAG_RECEIPT = 4, TAG_PAID = 5, TAG_CLAIM = 6, TAG_WITHDRAWN = 7 };

/* ---- config (1312 bytes) ---- */
#define MAX_SIGNERS 16
#define MAX_DEST_CHAINS 16
#define CFG_SIZE 1312
#define CFG_VERSION 1
#define CFG_BUMP 2
#define CFG_AUTH_BUMP 3
#define CFG_PAUSED 4
#define CFG_THRESHOLD 5
#define CFG_SIGNER_COUNT 6
#define CFG_CHAIN_COUNT 7
#define CFG_ADMIN 8
#define CFG_CHAIN_ID 40
#define CFG_NONCE 48
#define CFG_GRACE 56
#define CFG_AUTHORITY 64
#define CFG_SIGNERS 96
#define CFG_CHAINS 608
#define CFG_PENDING_ADMIN 736
#define CFG_DELAY 768
#define CFG_SET_VERSION 776
#define CFG_PENDING_AT 784
#define CFG_PENDING_THRESHOLD 792
#define CFG_PENDING_COUNT 793
#define CFG_PENDING_SIGNERS 800

/* ---- pool state (96 bytes) ---- */
#define POOL_SIZE 96
#define POOL_BUMP 1
#define POOL_VAULT_BUMP 2
#define POOL_MINT 8
#define POOL_VAULT 40
#define POOL_BALANCE 72
#define POOL_ESCROWED 80
#define POOL_CLAIMS 88

/* ---- intent (240 bytes) ---- */
#define INTENT_SIZE 240
#define INTENT_STATUS 1
#define INTENT_BUMP 2
#define INTENT_ID 8
#define INTENT_NONCE 40
#define INTENT_DEPOSITOR 48
#define INTENT_MINT 80
#define INTENT_AMOUNT 112
#define INTENT_DEST_CHAIN 120
#define INTENT_OUTPUT_TOKEN 128
#define INTENT_MIN_OUTPUT 160
#define INTENT_RECIPIENT 192
#define INTENT_DEADLINE 224
#define INTENT_OPENED_AT 232
enum { STATUS_OPEN = 1, STATUS_RELEASED = 2, STATUS_REFUNDED = 3 };

/* ---- receipt (96 bytes) ---- */
#define RECEIPT_SIZE 96
#define RECEIPT_BUMP 1
#define RECEIPT_EPOCH 8
#define RECEIPT_CHUNK 16
#define RECEIPT_COUNT 20
#define RECEIPT_CHUNK_HASH 24
#define RECEIPT_ROOT 56
#define RECEIPT_SLOT 88

/* ---- paid marker (56 bytes) ---- */
#define PAID_SIZE 56
#define PAID_BUMP 1
#define PAID_EPOCH 8
#define PAID_AMOUNT 16
#define PAID_MINT 24

/* ---- withdraw marker (56 bytes, same fields as the paid marker) ---- */
#define WITHDRAWN_SIZE 56

/* ---- claim (80 bytes) ---- */
#define CLAIM_SIZE 80
#define CLAIM_BUMP 1
#define CLAIM_OWNER 8
#define CLAIM_MINT 40
#define CLAIM_AMOUNT 72

/* ---- SPL Token account / mint layouts ---- */
#define TOKEN_ACCOUNT_SIZE 165
#define TOKEN_MINT_SIZE 82
#define TA_MINT 0
#define TA_OWNER 32
#define TA_AMOUNT 64
#define TA_STATE 108
enum { TA_STATE_INITIALIZED = 1 };

/* ---- settle actions ---- */
enum { ACT_RELEASE = 0, ACT_REFUND = 1, ACT_PAYOUT = 2, ACT_WITHDRAW = 3 };
#define ACTION_SIZE 73
#define MAX_ACTIONS 32

/* ---- events ---- */
enum {
  EV_INTENT_OPENED = 1,
  EV_INTENT_RELEASED = 2,
  EV_INTENT_REFUNDED = 3,
  EV_PAYOUT_MADE = 4,
  EV_WITHDRAWN = 5,
  EV_LEG_APPLIED = 6,
  EV_POOL_FUNDED = 7,
  EV_CONFIG_CHANGED = 8,
  EV_CLAIM_CREATED = 9,
  EV_CLAIMED = 10,
  EV_SIGNER_SET_PROPOSED = 11,
  EV_SIGNER_SET_ACTIVATED = 12,
  EV_ADMIN_CHANGED = 13,
  EV_MINT_REGISTERED = 14,
  EV_SELF_TRANSFER_SKIPPED = 15,
};

/* Where a signer set lives in the config: current or pending. */
typedef struct {
  u64 threshold, count, keys;
} SetSlot;

/* Everything an instruction handler needs besides its own accounts. */
typedef struct {
  const Input *in;
  const u8 *program_id;
  Acc payer;      /* pays rent for accounts the instruction creates */
  Acc system;     /* validated System program account, when needed */
  Acc token;      /* validated SPL Token program account, when needed */
  Acc authority;  /* validated vault authority PDA, when needed */
  u8 *config;     /* config data, when loaded */
  u64 cursor;     /* next unread account (Settle) */
  u64 epoch;      /* Settle's epoch */
  Acc claim;      /* Settle: the current action's claim PDA; NULL = no claim fallback */
} Ctx;

/* The fields of one action's leaf; token/account point into validated data. */
typedef struct {
  u8 kind;
  const u8 *intent_id;
  const u8 *token;
  const u8 *account;
  u64 amount;
} Leaf;

/* What an amount credited to a claim came from (for ClaimCreated). */
typedef struct {
  u8 kind;               /* action kind: refund, payout or withdraw */
  const u8 *intent_id;   /* the intent / source intent id, or 32 zero bytes */
  u64 amount;
  Acc to;                /* the undeliverable destination */
} ClaimNote;
