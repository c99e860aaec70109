// Issue 9's attacks on the escrow, written as the attacker plays them. Each one worked on
// the v1 program (these tests failed there) and must fail against protocol v2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSigner } from "@solana/kit";
import {
  AuthorityType, findAssociatedTokenPda, getCloseAccountInstruction, getCreateAssociatedTokenIdempotentInstructionAsync,
  getFreezeAccountInstruction, getSetAuthorityInstruction,
} from "@solana-program/token";
import * as E from "../client/escrow.js";
import { Harness, GRACE, DELAY, CHAIN_ID, assertConserved } from "./harness.js";

const DAY = 86_400n;
const expectOk = (r) => assert.equal(r.ok, true, `${r.err}\n${r.logs?.join("\n")}`);
const expectFail = (r, what) => assert.equal(r.ok, false, `${what}: the transaction succeeded`);

/** Escrow with attestors A, B (2 of 2), the registered USDC-like mint (issuer can freeze), a funded pool. */
async function setup() {
  const h = await Harness.create();
  const a = await h.funded(), b = await h.funded();
  await h.initialize({ signers: [a, b], threshold: 2 });
  const mint = await h.newMint();
  await h.createPool(mint);
  await h.fund(mint, 50_000_000n);
  const vault = (await E.vaultPda(mint)).address;
  return { h, a, b, mint, vault };
}

/** The issuer (h.payer, the mint's freeze authority) freezes a token account: USDC blacklisting. */
async function freeze(h, mint, account) {
  expectOk(await h.send(getFreezeAccountInstruction({ account, mint, owner: h.payer })));
}

/** A real associated token account of `owner` for `mint`, created through the ATA program. */
async function ata(h, owner, mint) {
  expectOk(await h.send(await getCreateAssociatedTokenIdempotentInstructionAsync({ payer: h.payer, owner, mint })));
  return (await findAssociatedTokenPda({ owner, mint, tokenProgram: E.TOKEN_PROGRAM }))[0];
}

const claimOf = async (h, owner, mint) => {
  const data = h.data((await E.claimPda(owner, mint)).address);
  return data ? E.decodeClaim(data).amount : 0n;
};

// ---- (a) poisoned chunks

test("Attack_OwnMint_AttackerCannotGiveItAPool", async () => {
  const { h } = await setup();
  const attacker = await h.funded();
  const own = await h.newMint();
  const r = await h.send(await E.createPoolIx({ admin: attacker, mint: own }), { payer: attacker });
  expectFail(r, "a pool for the attacker's own (unregistered) mint");
});

for (const poison of ["frozen", "reassignedAtaOwner", "closed", "otherMint"]) {
  test(`Attack_PoisonedDestination_${poison}_ChunkStillApplies_AmountBecomesClaim`, async () => {
    const { h, mint, vault } = await setup();
    const victim = await h.user(mint, 0n);
    const attacker = await h.funded();
    const source = new Uint8Array(32).fill(0x61);
    let to;
    if (poison === "frozen") {
      to = await h.tokenAccount(mint, attacker.address, 0n);
      await freeze(h, mint, to);
    } else if (poison === "reassignedAtaOwner") {
      to = await ata(h, attacker.address, mint);
      const accomplice = await generateKeyPairSigner();
      expectOk(await h.send(getSetAuthorityInstruction({ owned: to, owner: attacker, authorityType: AuthorityType.AccountOwner, newAuthority: accomplice.address }), { payer: attacker }));
    } else if (poison === "closed") {
      to = await h.tokenAccount(mint, attacker.address, 0n);
      expectOk(await h.send(getCloseAccountInstruction({ account: to, destination: attacker.address, owner: attacker }), { payer: attacker }));
      assert.equal(h.account(to), null);
    } else {
      to = await h.tokenAccount(await h.newMint(), attacker.address, 0n);
    }
    // the attacker's payout shares a chunk with an honest one
    const actions = [
      { kind: E.ACTION.payout, intentId: source, mint, amount: 7n, to, account: attacker.address },
      { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(0x62), mint, amount: 5n, to: victim.token, account: victim.signer.address },
    ];
    // the relayer's transaction: v1's submitter created every recipient's ATA idempotently in it; v2's only
    // creates an ATA that does not exist yet (the program turns any other undeliverable account into a claim)
    const pre = [];
    if (poison === "reassignedAtaOwner" && !E.PROTOCOL_VERSION) pre.push(await getCreateAssociatedTokenIdempotentInstructionAsync({ payer: h.signers[0], owner: attacker.address, mint }));
    const r = await h.send([...pre, await E.settleIx({ payer: h.signers[0], epoch: 1n, chunk: 0, batchRoot: new Uint8Array(32), attestors: h.signers, actions })], { payer: h.signers[0] });
    expectOk(r);
    assert.equal(h.tokenBalance(victim.token), 5n);
    assert.equal(await claimOf(h, attacker.address, mint), 7n);
    assertConserved(h, mint, vault);
  });
}

test("Attack_PoisonedChunk_GoodIntentNotBothPaidAndRefundable", async () => {
  const { h, mint, vault } = await setup();
  const attacker = await h.user(mint, 5_000_000n);
  const x1 = await h.open(attacker, mint); // the good intent, paid on the destination
  const x2 = await h.open(attacker, mint); // the poisoned one, refunded by the clearing
  expectOk(x1); expectOk(x2);
  await freeze(h, mint, attacker.token); // the refund account is blacklisted
  const release = { kind: E.ACTION.release, intentId: x1.intentId, intent: x1.intent, mint };
  const refund = { kind: E.ACTION.refund, intentId: x2.intentId, intent: x2.intent, mint, amount: 1_000_000n, to: attacker.token, account: attacker.signer.address };
  // the origin leg as the relayer plans it for this program version (v2: Releases in chunks of their own)
  const chunks = E.PROTOCOL_VERSION >= 2 ? [[release], [refund]] : [[release, refund]];
  for (const [i, actions] of chunks.entries()) await h.settle({ epoch: 1n, chunk: i, actions });
  // the destination paid X1 (v2: only because its Release chunk is final) ...
  assert.equal(E.decodeIntent(h.data(x1.intent)).status, E.STATUS.released, "X1 was paid on the destination but not released here");
  // ... so after deadline + grace the attacker's refundExpired(X1) must fail
  h.setTime(E.decodeIntent(h.data(x1.intent)).deadline + GRACE + 1n);
  const thawed = await h.tokenAccount(mint, attacker.signer.address, 0n);
  expectFail(await h.send(await E.refundExpiredIx({ intent: x1.intent, mint, to: thawed })), "refundExpired of a paid intent");
  assert.equal(E.decodeIntent(h.data(x2.intent)).status, E.STATUS.refunded);
  assertConserved(h, mint, vault);
});

// ---- (b) the admin rotates the attestor set to itself and drains

test("Attack_AdminRotatesSignersToItself_CannotDrain", async () => {
  const { h, mint, vault } = await setup();
  const victim = await h.user(mint, 5_000_000n);
  const o = await h.open(victim, mint);
  const admin = h.admin;
  const loot = await h.tokenAccount(mint, admin.address, 0n);
  // v1's SetSigners; v2 has no admin path to the signer set (only a threshold of the current attestors can propose)
  expectFail(await h.send(await E.setSignersIx({ admin, threshold: 1, signers: [admin.address] }), { payer: admin }), "v1's admin SetSigners");
  if (E.proposeSignersIx) {
    const proposed = await h.send(await E.proposeSignersIx({ attestors: [admin], threshold: 1, signers: [admin.address] }), { payer: admin });
    assert.equal(proposed.name, "SignerNotRegistered");
    h.setTime(h.now() + DELAY + 1n);
    assert.equal((await h.send(await E.activateSignersIx({}), { payer: admin })).name, "NoPendingChange");
  }
  const drain = await h.settle({ epoch: 66n, attestors: [admin], actions: [
    { kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint },
  ] });
  expectFail(drain, "the admin's release");
  const withdraw = await h.settle({ epoch: 67n, attestors: [admin], actions: [{ kind: E.ACTION.withdraw, mint, amount: 51_000_000n, to: loot, account: admin.address }] });
  expectFail(withdraw, "the admin's withdraw");
  assert.equal(h.tokenBalance(loot), 0n);
  h.setTime(E.decodeIntent(h.data(o.intent)).deadline + GRACE + 1n);
  expectOk(await h.send(await E.refundExpiredIx({ intent: o.intent, mint, to: victim.token })));
  assertConserved(h, mint, vault);
});

// ---- (c) a Release long after the deadline

test("Attack_ReleaseThirtyDaysAfterDeadline_Refused", async () => {
  const { h, mint } = await setup();
  const user = await h.user(mint, 5_000_000n);
  const o = await h.open(user, mint);
  h.setTime(E.decodeIntent(h.data(o.intent)).deadline + 30n * DAY);
  const late = await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint }] });
  expectFail(late, "a release 30 days late");
  assert.equal(late.name, "ReleaseWindowClosed");
  assert.equal(E.decodeIntent(h.data(o.intent)).status, E.STATUS.open);
});

// ---- (d) payout / withdraw to the escrow's own vault

// A leaf naming the vault authority (the escrow's own wallet) as the account: as the EVM escrow does for a transfer
// to itself, nothing moves and the pool is not debited; the action is marked applied (paid / withdraw marker) and
// SelfTransferSkipped is emitted. Before, the amount became a claim of the authority, which can never sign: locked.
test("Attack_PayoutAndWithdrawToVaultAuthority_SkippedLikeEvm_PoolNotDebited_MarkedApplied", async () => {
  const { h, mint, vault } = await setup();
  const authority = (await E.authorityPda()).address;
  const authorityAccount = await h.tokenAccount(mint, authority, 0n); // a token account owned by the authority, not the vault
  const source = new Uint8Array(32).fill(0x72);
  const honest = await h.user(mint, 0n);
  const actions = [
    { kind: E.ACTION.payout, intentId: source, mint, amount: 1_000_000n, to: authorityAccount, account: authority },
    { kind: E.ACTION.withdraw, mint, amount: 2_000_000n, to: vault, account: authority },
    { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(0x73), mint, amount: 3n, to: honest.token, account: honest.signer.address },
  ];
  const r = await h.settle({ epoch: 1n, actions });
  expectOk(r);
  assert.equal(h.tokenBalance(authorityAccount), 0n);
  assert.equal(h.tokenBalance(honest.token), 3n);
  assert.equal(h.pool(mint).pool, 50_000_000n - 3n, "the pool was debited for a self-transfer");
  assert.equal(h.pool(mint).claims, 0n);
  assert.equal(await claimOf(h, authority, mint), 0n);
  const skipped = r.events.filter((e) => e.name === "SelfTransferSkipped");
  assert.deepEqual(skipped.map((e) => [e.kind, e.amount, e.epoch, e.size]), [[2, 1_000_000n, 1n, 82], [3, 2_000_000n, 1n, 82]]);
  assert.deepEqual(skipped[0].ref, source);
  assert.equal(r.events.filter((e) => e.name === "PayoutMade" || e.name === "Withdrawn").length, 1);
  const leaves = actions.map((a) => E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: a.kind, intentId: a.intentId ?? new Uint8Array(32), token: mint, account: a.account, amount: a.amount }));
  assert.deepEqual(skipped[1].ref, leaves[1]);
  assert.deepEqual(r.events.find((e) => e.name === "LegApplied").chunkHash, E.keccak256(Buffer.concat(leaves)));
  // applied once: the paid marker and the withdraw marker exist
  assert.equal(h.account((await E.paidPda(source)).address).programAddress, E.PROGRAM_ID);
  assert.equal(await h.settle({ epoch: 1n, chunk: 1, actions: [actions[0]] }).then((x) => x.ok), false);
  assert.equal(await h.settle({ epoch: 1n, chunk: 2, actions: [actions[1]] }).then((x) => x.ok), false);
  assertConserved(h, mint, vault);
});

test("Attack_PayoutAndWithdrawToVault_NoUntrackedTokens", async () => {
  const { h, mint, vault } = await setup();
  const authority = (await E.authorityPda()).address;
  await h.settle({ epoch: 1n, actions: [
    { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(0x71), mint, amount: 1_000_000n, to: vault, account: authority },
    { kind: E.ACTION.withdraw, mint, amount: 2_000_000n, to: vault, account: authority },
  ] });
  assertConserved(h, mint, vault);
});

// The clearing refunds X1 and X2 (unfilled), but the origin leg lands late, after X1's deadline + grace. The depositor
// front-runs it: refundExpired(X1) takes the input back, so the chunk's Refund(X1) finds a Refunded intent. Had it
// failed, the whole chunk (and X2's honest Refund with it) could never apply. It is skipped, as on the EVM escrow.
test("Attack_RefundExpiredFrontRunsLateRefund_ChunkStillApplies", async () => {
  const { h, mint, vault } = await setup();
  const attacker = await h.user(mint, 1_000_000n);
  const honest = await h.user(mint, 1_000_000n);
  const x1 = await h.open(attacker, mint);
  const x2 = await h.open(honest, mint);
  expectOk(x1); expectOk(x2);
  h.setTime(E.decodeIntent(h.data(x1.intent)).deadline + GRACE + 1n);
  expectOk(await h.send(await E.refundExpiredIx({ intent: x1.intent, mint, to: attacker.token }), { payer: attacker.signer }));
  const actions = [
    { kind: E.ACTION.refund, intentId: x1.intentId, intent: x1.intent, mint, amount: 1_000_000n, to: attacker.token, account: attacker.signer.address },
    { kind: E.ACTION.refund, intentId: x2.intentId, intent: x2.intent, mint, amount: 1_000_000n, to: honest.token, account: honest.signer.address },
  ];
  const r = await h.settle({ epoch: 1n, actions });
  expectOk(r);
  assert.equal(h.tokenBalance(attacker.token), 1_000_000n, "the attacker was refunded twice");
  assert.equal(h.tokenBalance(honest.token), 1_000_000n);
  assert.equal(E.decodeIntent(h.data(x2.intent)).status, E.STATUS.refunded);
  const leaves = actions.map((a) => E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: 1, intentId: a.intentId, token: mint, account: a.account, amount: a.amount }));
  assert.deepEqual(r.events.find((e) => e.name === "LegApplied").chunkHash, E.keccak256(Buffer.concat(leaves)));
  assert.equal(h.pool(mint).escrowed, 0n);
  assertConserved(h, mint, vault);
});

// ---- (e) bounded grace, per-Withdraw markers, one config per program

for (const grace of [0n, 0xffff_ffff_ffff_ffffn]) {
  test(`Attack_Grace${grace === 0n ? "Zero" : "U64Max"}_RefusedAtInitialize`, async () => {
    const h = await Harness.create();
    const a = await h.funded();
    const r = await h.send(await E.initializeIx({ admin: h.payer, chainId: CHAIN_ID, graceSeconds: grace, activationDelaySeconds: DELAY, threshold: 1, signers: [a.address] }));
    expectFail(r, `grace ${grace}`);
  });
}

test("Attack_WithdrawInSecondChunking_AppliedOnce", async () => {
  const { h, mint, vault } = await setup();
  const treasury = await h.user(mint, 0n);
  const withdraw = { kind: E.ACTION.withdraw, mint, amount: 3_000_000n, to: treasury.token, account: treasury.signer.address };
  const other = { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(0x81), mint, amount: 1n, to: treasury.token, account: treasury.signer.address };
  // chunking 1: [withdraw]; chunking 2 of the same leg: [payout, withdraw] as chunk 1
  await h.settle({ epoch: 5n, chunk: 0, actions: [withdraw] });
  await h.settle({ epoch: 5n, chunk: 1, actions: [other, withdraw] });
  assert.ok(h.tokenBalance(treasury.token) <= 3_000_001n, `the withdraw applied twice: ${h.tokenBalance(treasury.token)}`);
  assertConserved(h, mint, vault);
});

// Not reproducible on Solana even in v1: the config is the PDA ["config"], so a program has one config, one
// nonce sequence, and intent ids keccak(chainId, programId, nonce) cannot collide within a cluster.
test("Attack_SecondConfigForSameProgram_Refused", async () => {
  const { h, a } = await setup();
  const other = await generateKeyPairSigner();
  const ix = await E.initializeIx({ admin: h.payer, chainId: CHAIN_ID, graceSeconds: GRACE, activationDelaySeconds: DELAY, threshold: 1, signers: [a.address] });
  expectFail(await h.send(ix), "a second Initialize");
  ix.accounts[1] = { ...ix.accounts[1], address: other.address };
  expectFail(await h.send(ix), "a config at another address");
});
