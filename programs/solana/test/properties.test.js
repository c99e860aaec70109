// Property tests (LiteSVM): over random chunks whose destinations are good, frozen, closed,
// of another mint, owned by someone else, uninitialised or the escrow's own vault,
// - a settle never fails because of a destination,
// - each intent ends at most one of {Released, Refunded} (a released one is never refundable),
// - tokens are conserved: vault balance = pool + open intents (escrowed) + claims, and the
//   claims counter equals the sum of the claim accounts.
// Seeded, so a failure names the seed that reproduces it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../client/escrow.js";
import { Harness, GRACE, assertConserved } from "./harness.js";

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const KINDS = ["good", "frozen", "closed", "otherMint", "foreignOwner", "uninitialised", "vault"];

/** A destination token account of the given kind for `owner`. */
async function destination(h, kind, owner, mint, vault, otherMint) {
  if (kind === "vault") return vault;
  if (kind === "closed") return (await h.funded(0n)).address; // no account at that address
  const addr = await h.tokenAccount(kind === "otherMint" ? otherMint : mint, kind === "foreignOwner" ? (await h.funded(0n)).address : owner, 0n);
  if (kind === "frozen" || kind === "uninitialised") {
    const d = h.data(addr); d[108] = kind === "frozen" ? 2 : 0; h.setAccount(addr, E.TOKEN_PROGRAM, d);
  }
  return addr;
}

async function claimsTotal(h, owners, mint) {
  let sum = 0n;
  for (const o of owners) { const d = h.data((await E.claimPda(o, mint)).address); if (d) sum += E.decodeClaim(d).amount; }
  return sum;
}

for (let seed = 1; seed <= 12; seed++) {
  test(`Property_RandomPoisonedChunks_ApplyWhole_AtMostOneOutcome_TokensConserved (seed ${seed})`, async () => {
    const r = rng(seed);
    const pick = (xs) => xs[Math.floor(r() * xs.length)];
    const h = await Harness.create();
    const a = await h.funded();
    await h.initialize({ signers: [a], threshold: 1 });
    const mint = await h.newMint(), otherMint = await h.newMint();
    await h.createPool(mint);
    await h.fund(mint, 1_000_000n);
    const vault = (await E.vaultPda(mint)).address;
    const owners = [];
    const intents = [];
    for (let i = 0; i < 6; i++) {
      const u = await h.user(mint, 1000n);
      owners.push(u.signer.address);
      const o = await h.open(u, mint, { amount: BigInt(1 + Math.floor(r() * 900)), fillDeadline: h.now() + BigInt(60 + Math.floor(r() * 600)) });
      assert.equal(o.ok, true, o.err);
      intents.push({ ...o, user: u });
    }
    assertConserved(h, mint, vault);
    let epoch = 1n;
    // a Release chunk of a random subset of intents still inside their window
    const released = intents.filter(() => r() < 0.4);
    if (released.length > 0) {
      const res = await h.settle({ epoch: epoch++, actions: released.map((o) => ({ kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint })) });
      assert.equal(res.ok, true, `seed ${seed}: release chunk ${res.err}`);
    }
    assertConserved(h, mint, vault);
    // transfer chunks: refunds of some open intents, payouts and withdraws, to random destinations
    for (let round = 0; round < 3; round++) {
      const actions = [];
      for (const o of intents) {
        if (E.decodeIntent(h.data(o.intent)).status !== E.STATUS.open || r() < 0.5) continue;
        const kind = pick(KINDS);
        actions.push({ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: E.decodeIntent(h.data(o.intent)).amount,
          account: o.user.signer.address, to: await destination(h, kind, o.user.signer.address, mint, vault, otherMint) });
      }
      const outflows = 1 + Math.floor(r() * 4);
      for (let i = 0; i < outflows; i++) {
        const owner = pick(owners);
        const to = await destination(h, pick(KINDS), owner, mint, vault, otherMint);
        const amount = BigInt(Math.floor(r() * 5000));
        if (r() < 0.7) actions.push({ kind: E.ACTION.payout, intentId: Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256)), mint, amount, account: owner, to });
        else actions.push({ kind: E.ACTION.withdraw, mint, amount: amount + BigInt(i), account: owner, to });
      }
      const res = await h.settle({ epoch: epoch++, actions });
      assert.equal(res.ok, true, `seed ${seed}: transfer chunk (${actions.length} actions) failed: ${res.err}\n${res.logs?.join("\n")}`);
      assertConserved(h, mint, vault);
      assert.equal(h.pool(mint).claims, await claimsTotal(h, [...owners, (await E.authorityPda()).address], mint));
    }
    // after every window: refundExpired works for exactly the still-Open intents
    h.setTime(h.now() + 700n + GRACE + 1n);
    for (const o of intents) {
      const before = E.decodeIntent(h.data(o.intent)).status;
      const res = await h.send(await E.refundExpiredIx({ intent: o.intent, mint, to: o.user.token }));
      assert.equal(res.ok, before === E.STATUS.open, `seed ${seed}: refundExpired of a ${before} intent: ${res.err}`);
      if (released.includes(o)) assert.equal(E.decodeIntent(h.data(o.intent)).status, E.STATUS.released);
    }
    assertConserved(h, mint, vault);
  });
}
