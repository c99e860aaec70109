/* Events: one sol_log_data slice, a tag byte then fixed little-endian fields
 * (layouts in README.md, "Events"). Built with a small append-only writer. */
#include "escrow.h"

typedef struct {
  u8 buf[240];
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

/* PayoutMade (with a source intent id) or Withdrawn (without). */
static void emit_outflow(const u8 *source_id, const u8 *mint, Acc to, u64 amount, u64 epoch) {
  Event e;
  ev_begin(&e, source_id != NULL ? EV_PAYOUT_MADE : EV_WITHDRAWN);
  if (source_id != NULL) ev_key(&e, source_id);
  ev_key(&e, mint);
  ev_key(&e, A_DATA(to) + TA_OWNER);
  ev_key(&e, A_KEY(to));
  ev_u64(&e, amount);
  ev_u64(&e, epoch);
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
