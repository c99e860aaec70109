/* The program: one translation unit (link.py links a single object), the
 * entrypoint dispatching on the instruction's tag byte. */
#include "escrow.h"
#include "events.c"
#include "checks.c"
#include "admin.c"
#include "pool.c"
#include "intent.c"
#include "settle.c"

u64 entrypoint(const u8 *input) {
  Input in;
  if (!deserialize(input, &in)) return E_NOT_ENOUGH_ACCOUNTS;
  if (in.data_len == 0) return E_INVALID_INSTRUCTION;
  Ctx c = {&in, in.program_id, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL};
  switch (in.data[0]) {
    case IX_INITIALIZE: return ix_initialize(&c);
    case IX_CREATE_POOL: return ix_create_pool(&c);
    case IX_OPEN: return ix_open(&c);
    case IX_SETTLE: return ix_settle(&c);
    case IX_REFUND_EXPIRED: return ix_refund_expired(&c);
    case IX_FUND: return ix_fund(&c);
    case IX_SET_PAUSED: return ix_set_paused(&c);
    case IX_SET_DESTINATION_CHAIN: return ix_set_destination_chain(&c);
    case IX_PROPOSE_SIGNERS: return ix_propose_signers(&c);
    case IX_ACTIVATE_SIGNERS: return ix_activate_signers(&c);
    case IX_PROPOSE_ADMIN: return ix_propose_admin(&c);
    case IX_ACCEPT_ADMIN: return ix_accept_admin(&c);
    case IX_CLAIM: return ix_claim(&c);
    default: return E_INVALID_INSTRUCTION;
  }
}
