/* Events: one sol_log_data slice, a tag byte then fixed little-endian fields
 * (layouts in README.md, "Events"). Built with a small append-only writer. */
#include "escrow.h"

typedef struct {
  u8 buf[32 * MAX_SIGNERS + 32];
  u64 len;
} Event;

static void ev_begin(Event *e, u8 tag) {
  e->buf[0] = tag;
  e->len = 1;
}
static void ev_key(Event *e, const u8 *key) {
  copy32(e->buf + e->len, key);
  e->len += 32;
}
static void ev_u64(Event *e, u64 v) {
  wr64(e->buf + e->len, v);
  e->len += 8;
}
static void ev_u32(Event *e, u32 v) {
  wr32(e->buf + e->len, v);
  e->len += 4;
}
static void ev_u8(Event *e, u8 v) { e->buf[e->len++] = v; }
static void ev_emit(const Event *e) {
  SolBytes slice = {e->buf, e->len};
  sol_log_data(&slice, 1);
}

static void emit_config_changed(const u8 *config, u8 kind, u64 value) {
  Event e;
  ev_begin(&e, EV_CONFIG_CHANGED);
  ev_u8(&e, kind);
  ev_u8(&e, config[CFG_THRESHOLD]);
  ev_u8(&e, config[CFG_SIGNER_COUNT]);
  ev_u8(&e, config[CFG_PAUSED]);
  ev_u64(&e, value);
  ev_emit(&e);
}

static void emit_intent_opened(const u8 *intent, u64 origin_chain) {
  Event e;
  ev_begin(&e, EV_INTENT_OPENED);
  ev_key(&e, intent + INTENT_ID);
  ev_u64(&e, rd64(intent + INTENT_NONCE));
  ev_key(&e, intent + INTENT_DEPOSITOR);
  ev_key(&e, intent + INTENT_MINT);
  ev_u64(&e, rd64(intent + INTENT_AMOUNT));
  ev_u64(&e, rd64(intent + INTENT_DEST_CHAIN));
  ev_key(&e, intent + INTENT_OUTPUT_TOKEN);
  ev_key(&e, intent + INTENT_MIN_OUTPUT);
  ev_key(&e, intent + INTENT_RECIPIENT);
  ev_u64(&e, rd64(intent + INTENT_DEADLINE));
  ev_u64(&e, origin_chain);
  ev_emit(&e);
}

static void emit_intent_released(const u8 *intent, u64 epoch) {
  Event e;
  ev_begin(&e, EV_INTENT_RELEASED);
  ev_key(&e, intent + INTENT_ID);
  ev_key(&e, intent + INTENT_MINT);
  ev_u64(&e, rd64(intent + INTENT_AMOUNT));
  ev_u64(&e, epoch);
  ev_emit(&e);
}

static void emit_intent_refunded(const u8 *intent, u64 epoch, u8 reason) {
  Event e;
  ev_begin(&e, EV_INTENT_REFUNDED);
  ev_key(&e, intent + INTENT_ID);
  ev_key(&e, intent + INTENT_DEPOSITOR);
  ev_key(&e, intent + INTENT_MINT);
  ev_u64(&e, rd64(intent + INTENT_AMOUNT));
  ev_u64(&e, epoch);
  ev_u8(&e, reason);
  ev_emit(&e);
}

/* PayoutMade (with a source intent id) or Withdrawn (without). `to` is the
 * token account paid, or the claim account when the amount became a claim. */
static void emit_outflow(const Ctx *c, const Leaf *leaf, const u8 *to) {
  Event e;
  bool payout = leaf->kind == ACT_PAYOUT;
  ev_begin(&e, payout ? EV_PAYOUT_MADE : EV_WITHDRAWN);
  if (payout) ev_key(&e, leaf->intent_id);
  ev_key(&e, leaf->token);
  ev_key(&e, leaf->account);
  ev_key(&e, to);
  ev_u64(&e, leaf->amount);
  ev_u64(&e, c->epoch);
  ev_emit(&e);
}

/* SelfTransferSkipped: a Payout or Withdraw whose account is the vault authority
 * (the escrow itself) is marked applied without moving tokens or debiting the
 * pool, as the EVM escrow does. ref = source intent id (Payout) or leaf hash
 * (Withdraw), as on EVM. */
static void emit_self_transfer_skipped(const Ctx *c, const Leaf *leaf, const u8 *ref) {
  Event e;
  ev_begin(&e, EV_SELF_TRANSFER_SKIPPED);
  ev_u8(&e, leaf->kind);
  ev_key(&e, ref);
  ev_key(&e, leaf->token);
  ev_u64(&e, leaf->amount);
  ev_u64(&e, c->epoch);
  ev_emit(&e);
}

static void emit_leg_applied(const u8 *receipt) {
  Event e;
  ev_begin(&e, EV_LEG_APPLIED);
  ev_u64(&e, rd64(receipt + RECEIPT_EPOCH));
  ev_u32(&e, rd32(receipt + RECEIPT_CHUNK));
  ev_key(&e, receipt + RECEIPT_CHUNK_HASH);
  ev_key(&e, receipt + RECEIPT_ROOT);
  ev_u32(&e, rd32(receipt + RECEIPT_COUNT));
  ev_emit(&e);
}

static void emit_pool_funded(const u8 *pool, const u8 *funder, u64 amount) {
  Event e;
  ev_begin(&e, EV_POOL_FUNDED);
  ev_key(&e, pool + POOL_MINT);
  ev_key(&e, funder);
  ev_u64(&e, amount);
  ev_u64(&e, rd64(pool + POOL_BALANCE));
  ev_emit(&e);
}

/* ClaimCreated: an undeliverable Payout/Refund/Withdraw credited to a claim. */
static void emit_claim_created(const Ctx *c, const u8 *claim, const ClaimNote *note) {
  Event e;
  ev_begin(&e, EV_CLAIM_CREATED);
  ev_key(&e, claim + CLAIM_OWNER);
  ev_key(&e, claim + CLAIM_MINT);
  ev_u64(&e, note->amount);
  ev_u64(&e, rd64(claim + CLAIM_AMOUNT));
  ev_u8(&e, note->kind);
  ev_key(&e, note->intent_id);
  ev_u64(&e, c->epoch);
  ev_key(&e, A_KEY(note->to));
  ev_emit(&e);
}

static void emit_claimed(const u8 *claim, Acc to, u64 amount) {
  Event e;
  ev_begin(&e, EV_CLAIMED);
  ev_key(&e, claim + CLAIM_OWNER);
  ev_key(&e, claim + CLAIM_MINT);
  ev_key(&e, A_KEY(to));
  ev_u64(&e, amount);
  ev_emit(&e);
}

/* SignerSetProposed / SignerSetActivated: version u64 | activatesAt (proposed) or activatedAt i64 | threshold u8 | n u8 | signers. */
static void emit_signer_set(const u8 *config, u8 tag, const SetSlot *slot, u64 version, i64 at) {
  Event e;
  ev_begin(&e, tag);
  ev_u64(&e, version);
  ev_u64(&e, (u64)at);
  ev_u8(&e, config[slot->threshold]);
  ev_u8(&e, config[slot->count]);
  for (u64 i = 0; i < config[slot->count]; i++) ev_key(&e, config + slot->keys + 32 * i);
  ev_emit(&e);
}

/* AdminChanged: kind u8 (0 proposed, 1 accepted) | admin | pending admin. */
static void emit_admin_changed(const u8 *config, u8 kind) {
  Event e;
  ev_begin(&e, EV_ADMIN_CHANGED);
  ev_u8(&e, kind);
  ev_key(&e, config + CFG_ADMIN);
  ev_key(&e, config + CFG_PENDING_ADMIN);
  ev_emit(&e);
}

static void emit_mint_registered(const u8 *pool, const u8 *pool_key) {
  Event e;
  ev_begin(&e, EV_MINT_REGISTERED);
  ev_key(&e, pool + POOL_MINT);
  ev_key(&e, pool_key);
  ev_key(&e, pool + POOL_VAULT);
  ev_emit(&e);
}
