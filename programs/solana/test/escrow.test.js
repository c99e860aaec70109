// Every instruction's happy path (balances checked) and every rejection the
// issue lists, against the built program in LiteSVM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { generateKeyPairSigner, lamports, AccountRole, getAddressEncoder, getAddressDecoder, isOffCurveAddress } from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import * as E from "../client/escrow.js";
import { Harness, CHAIN_ID, EVM_CHAIN, GRACE, DELAY, assertConserved } from "./harness.js";

/** Initialised escrow with signers A, B (threshold 2), one pool funded with 50 tokens, one user with 5. */
async function setup({ fund = 50_000_000n } = {}) {
  const h = await Harness.create();
  const a = await h.funded(), b = await h.funded();
  await h.initialize({ signers: [a, b], threshold: 2 });
  const mint = await h.newMint();
  await h.createPool(mint);
  if (fund > 0n) await h.fund(mint, fund);
  const user = await h.user(mint, 5_000_000n);
  const vault = (await E.vaultPda(mint)).address;
  return { h, a, b, mint, user, vault };
}

const expectError = (r, name) => {
  assert.equal(r.ok, false, `expected ${name}, but the transaction succeeded`);
  assert.equal(r.name, name, `expected ${name}, got ${r.err}\n${r.logs.join("\n")}`);
};
const expectOk = (r) => assert.equal(r.ok, true, `${r.err}\n${r.logs?.join("\n")}`);
const zero32 = new Uint8Array(32);

// ---------------------------------------------------------------- happy paths

test("Initialize_StoresConfig_AndRejectsSecondInitialize", async () => {
  const { h, a, b } = await setup({ fund: 0n });
  const cfg = h.config();
  assert.equal(cfg.chainId, CHAIN_ID);
  assert.equal(cfg.threshold, 2);
  assert.deepEqual(cfg.signers, [a.address, b.address]);
  assert.equal(cfg.graceSeconds, GRACE);
  assert.deepEqual(cfg.destinationChains, [EVM_CHAIN]);
  assert.equal(cfg.admin, h.payer.address);
  assert.equal(cfg.version, 2);
  assert.equal(cfg.activationDelaySeconds, DELAY);
  assert.equal(cfg.signerSetVersion, 1n);
  assert.equal(cfg.pendingAdmin, null);
  const again = await h.send(await E.initializeIx({ admin: h.payer, chainId: 1, graceSeconds: GRACE, activationDelaySeconds: DELAY, threshold: 1, signers: [a.address] }));
  expectError(again, "AlreadyInitialized");
});

test("Initialize_InvalidSignerSets_Rejected", async () => {
  const h = await Harness.create();
  const a = await h.funded();
  const send = async (threshold, signers, graceSeconds = GRACE, activationDelaySeconds = DELAY) =>
    h.send(await E.initializeIx({ admin: h.payer, chainId: 1, graceSeconds, activationDelaySeconds, threshold, signers }));
  expectError(await send(0, [a.address]), "InvalidThreshold");
  expectError(await send(2, [a.address]), "InvalidThreshold");
  expectError(await send(1, [a.address, a.address]), "DuplicateSigner");
  // grace and activation delay bounded to [1 hour, 30 days]
  expectError(await send(1, [a.address], 3599n), "InvalidGrace");
  expectError(await send(1, [a.address], 30n * 86400n + 1n), "InvalidGrace");
  expectError(await send(1, [a.address], GRACE, 3599n), "InvalidDelay");
  expectError(await send(1, [a.address], GRACE, 30n * 86400n + 1n), "InvalidDelay");
  expectOk(await send(1, [a.address], 30n * 86400n, 3600n));
});

test("CreatePool_CreatesVaultOwnedByAuthority", async () => {
  const { h, mint, vault } = await setup({ fund: 0n });
  const pool = h.pool(mint);
  assert.equal(pool.vault, vault);
  assert.equal(pool.pool, 0n);
  const v = h.account(vault);
  assert.equal(v.programAddress, E.TOKEN_PROGRAM);
  assert.equal(E.keyFromBytes(v.data.slice(32, 64)), (await E.authorityPda()).address);
  expectError(await h.send(await E.createPoolIx({ admin: h.payer, mint })), "AlreadyInitialized");
  // only the admin registers mints
  const stranger = await h.funded();
  expectError(await h.send(await E.createPoolIx({ admin: stranger, mint: await h.newMint() }), { payer: stranger }), "Unauthorized");
});

test("Open_MovesInputIntoVault_StoresIntent_EmitsIntentOpened", async () => {
  const { h, mint, user, vault } = await setup();
  const r = await h.open(user, mint);
  expectOk(r);
  assert.equal(h.tokenBalance(user.token), 4_000_000n);
  assert.equal(h.tokenBalance(vault), 51_000_000n);
  assert.deepEqual(h.pool(mint), { ...h.pool(mint), pool: 50_000_000n, escrowed: 1_000_000n });
  const intent = E.decodeIntent(h.data(r.intent));
  assert.equal(intent.status, E.STATUS.open);
  assert.equal(intent.depositor, user.signer.address);
  assert.deepEqual(intent.intentId, E.intentId(CHAIN_ID, E.PROGRAM_ID, 0n));
  assert.equal(h.config().nonce, 1n);
  const ev = r.events.find((e) => e.name === "IntentOpened");
  assert.equal(ev.size, 233);
  assert.deepEqual(ev.intentId, r.intentId);
  assert.equal(ev.nonce, 0n);
  assert.equal(ev.depositor, user.signer.address);
  assert.equal(ev.inputMint, mint);
  assert.equal(ev.inputAmount, 1_000_000n);
  assert.equal(ev.destinationChainId, EVM_CHAIN);
  assert.deepEqual(ev.minOutputAmount, E.u256be(10n ** 30n));
  assert.deepEqual(ev.recipient, new Uint8Array(32).fill(0xbb));
  assert.deepEqual(ev.outputToken, new Uint8Array(32).fill(0xaa));
  assert.equal(ev.originChainId, CHAIN_ID);
  assert.equal(ev.fillDeadline, h.now() + 600n);
  // the second intent gets the next nonce
  const r2 = await h.open(user, mint);
  expectOk(r2);
  assert.deepEqual(r2.intentId, E.intentId(CHAIN_ID, E.PROGRAM_ID, 1n));
});

test("Open_IntentPdaPrefundedByThirdParty_StillOpens", async () => {
  const { h, mint, user } = await setup();
  const id = E.intentId(CHAIN_ID, E.PROGRAM_ID, 0n);
  const target = (await E.intentPda(id)).address;
  expectOk(await h.send(getTransferSolInstruction({ source: h.payer, destination: target, amount: lamports(h.svm.minimumBalanceForRentExemption(0n)) })));
  expectOk(await h.open(user, mint));
  assert.equal(E.decodeIntent(h.data(target)).status, E.STATUS.open);
});

test("Fund_AddsPoolLiquidity", async () => {
  const { h, mint, vault } = await setup();
  const r = await h.fund(mint, 7n);
  assert.equal(h.pool(mint).pool, 50_000_007n);
  assert.equal(h.tokenBalance(vault), 50_000_007n);
  const ev = r.events.find((e) => e.name === "PoolFunded");
  assert.equal(ev.amount, 7n);
  assert.equal(ev.poolAfter, 50_000_007n);
});

test("Settle_Release_MovesInputToPool_WritesReceiptWithChunkHash", async () => {
  const { h, mint, user } = await setup();
  const o = await h.open(user, mint);
  const root = new Uint8Array(32).fill(9);
  const r = await h.settle({ epoch: 7n, batchRoot: root, actions: [{ kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint }] });
  expectOk(r);
  assert.equal(E.decodeIntent(h.data(o.intent)).status, E.STATUS.released);
  assert.equal(h.pool(mint).pool, 51_000_000n);
  assert.equal(h.pool(mint).escrowed, 0n);
  const leaf = E.leafHash({ chainId: CHAIN_ID, epoch: 7n, kind: 0, intentId: o.intentId, token: mint, account: null, amount: 0n });
  const chunkHash = E.keccak256(leaf);
  const receipt = E.decodeReceipt(h.data((await E.receiptPda(7n, 0)).address));
  assert.deepEqual(receipt.chunkHash, chunkHash);
  assert.deepEqual(receipt.batchRoot, root);
  const leg = r.events.find((e) => e.name === "LegApplied");
  assert.deepEqual(leg.chunkHash, chunkHash);
  assert.equal(leg.epoch, 7n);
  assert.equal(leg.actionCount, 1);
  assert.ok(r.events.some((e) => e.name === "IntentReleased" && e.epoch === 7n));
});

test("Settle_Refund_ReturnsInputToDepositor", async () => {
  const { h, mint, user, vault } = await setup();
  const o = await h.open(user, mint);
  const r = await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: 1_000_000n, to: user.token, account: user.signer.address }] });
  expectOk(r);
  assert.equal(h.tokenBalance(user.token), 5_000_000n);
  assert.equal(h.tokenBalance(vault), 50_000_000n);
  assert.equal(h.pool(mint).escrowed, 0n);
  assert.equal(E.decodeIntent(h.data(o.intent)).status, E.STATUS.refunded);
  const ev = r.events.find((e) => e.name === "IntentRefunded");
  assert.equal(ev.reason, 0);
  const leaf = E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: 1, intentId: o.intentId, token: mint, account: user.signer.address, amount: 1_000_000n });
  assert.deepEqual(r.events.find((e) => e.name === "LegApplied").chunkHash, E.keccak256(leaf));
});

test("Settle_PayoutAndWithdraw_PayFromPool_ChunkHashOverAllLeaves", async () => {
  const { h, mint, vault } = await setup();
  const alice = await h.user(mint, 0n);
  const treasury = await h.user(mint, 0n);
  const source = new Uint8Array(32).fill(0x42);
  const r = await h.settle({ epoch: 3n, chunk: 2, actions: [
    { kind: E.ACTION.payout, intentId: source, mint, amount: 2_000_000n, to: alice.token, account: alice.signer.address },
    { kind: E.ACTION.withdraw, mint, amount: 3_000_000n, to: treasury.token, account: treasury.signer.address },
  ] });
  expectOk(r);
  assert.equal(h.tokenBalance(alice.token), 2_000_000n);
  assert.equal(h.tokenBalance(treasury.token), 3_000_000n);
  assert.equal(h.tokenBalance(vault), 45_000_000n);
  assert.equal(h.pool(mint).pool, 45_000_000n);
  const marker = h.account((await E.paidPda(source)).address);
  assert.equal(marker.programAddress, E.PROGRAM_ID);
  const leaves = [
    E.leafHash({ chainId: CHAIN_ID, epoch: 3n, kind: 2, intentId: source, token: mint, account: alice.signer.address, amount: 2_000_000n }),
    E.leafHash({ chainId: CHAIN_ID, epoch: 3n, kind: 3, intentId: zero32, token: mint, account: treasury.signer.address, amount: 3_000_000n }),
  ];
  const leg = r.events.find((e) => e.name === "LegApplied");
  assert.deepEqual(leg.chunkHash, E.keccak256(Buffer.concat(leaves)));
  assert.equal(leg.chunk, 2);
  const payout = r.events.find((e) => e.name === "PayoutMade");
  assert.equal(payout.recipient, alice.signer.address);
  assert.equal(payout.recipientToken, alice.token);
  assert.equal(payout.amount, 2_000_000n);
  assert.ok(r.events.some((e) => e.name === "Withdrawn" && e.amount === 3_000_000n));
});

test("RefundExpired_AfterDeadlinePlusGrace_ReturnsInput_EvenWhilePaused", async () => {
  const { h, mint, user, vault } = await setup();
  const o = await h.open(user, mint);
  const deadline = E.decodeIntent(h.data(o.intent)).deadline;
  const refund = await E.refundExpiredIx({ intent: o.intent, mint, to: user.token, account: user.signer.address });
  h.setTime(deadline + GRACE);
  expectError(await h.send(refund), "TooEarly");
  expectOk(await h.send(await E.setPausedIx({ admin: h.admin, paused: true })));
  h.setTime(deadline + GRACE + 1n);
  const r = await h.send(refund);
  expectOk(r);
  assert.equal(h.tokenBalance(user.token), 5_000_000n);
  assert.equal(h.tokenBalance(vault), 50_000_000n);
  assert.equal(r.events.find((e) => e.name === "IntentRefunded").reason, 1);
  expectError(await h.send(refund), "IntentNotOpen");
});

test("ProposeSigners_ThresholdOfCurrentSet_ActivatesAfterDelay_OldSignerRejected", async () => {
  const { h, a, b, mint } = await setup();
  const c = await h.funded();
  const to = await h.user(mint, 0n);
  const action = { kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address };
  // one current signer is below the threshold (2); the admin has no say
  expectError(await h.send(await E.proposeSignersIx({ attestors: [a], threshold: 1, signers: [c.address] }), { payer: a }), "BelowThreshold");
  expectError(await h.send(await E.setSignersIx({ admin: h.admin, threshold: 1, signers: [c.address] })), "InvalidInstruction");
  expectError(await h.send(await E.activateSignersIx()), "NoPendingChange");
  const proposed = await h.send(await E.proposeSignersIx({ attestors: [a, b], threshold: 1, signers: [c.address] }), { payer: a });
  expectOk(proposed);
  const ev = proposed.events.find((e) => e.name === "SignerSetProposed");
  assert.deepEqual([ev.version, ev.at, ev.threshold, ev.signers], [2n, h.now() + DELAY, 1, [c.address]]);
  assert.deepEqual(h.config().pendingSigners, [c.address]);
  // not yet: the current set still governs
  h.setTime(h.now() + DELAY - 1n);
  expectError(await h.send(await E.activateSignersIx()), "TooEarly");
  expectError(await h.settle({ epoch: 1n, attestors: [c], actions: [action] }), "SignerNotRegistered");
  h.setTime(h.now() + 1n);
  const activated = await h.send(await E.activateSignersIx());
  expectOk(activated);
  assert.equal(activated.events.find((e) => e.name === "SignerSetActivated").version, 2n);
  assert.deepEqual(h.config().signers, [c.address]);
  assert.equal(h.config().signerSetVersion, 2n);
  assert.deepEqual(h.config().pendingSigners, []);
  expectError(await h.settle({ epoch: 1n, attestors: [a, b], actions: [action] }), "SignerNotRegistered");
  expectOk(await h.settle({ epoch: 1n, attestors: [c], actions: [action] }));
});

test("AdminHandOver_TwoSteps_OnlyProposedKeyAccepts", async () => {
  const { h } = await setup({ fund: 0n });
  const next = await h.funded();
  const stranger = await h.funded();
  expectError(await h.send(await E.acceptAdminIx({ newAdmin: next }), { payer: next }), "NoPendingChange");
  expectError(await h.send(await E.proposeAdminIx({ admin: stranger, newAdmin: next.address }), { payer: stranger }), "Unauthorized");
  const proposed = await h.send(await E.proposeAdminIx({ admin: h.admin, newAdmin: next.address }));
  expectOk(proposed);
  assert.equal(proposed.events.find((e) => e.name === "AdminChanged").kind, 0);
  assert.equal(h.config().pendingAdmin, next.address);
  expectError(await h.send(await E.acceptAdminIx({ newAdmin: stranger }), { payer: stranger }), "Unauthorized");
  const accepted = await h.send(await E.acceptAdminIx({ newAdmin: next }), { payer: next });
  expectOk(accepted);
  assert.equal(h.config().admin, next.address);
  assert.equal(h.config().pendingAdmin, null);
  expectError(await h.send(await E.setPausedIx({ admin: h.admin, paused: true })), "Unauthorized");
  expectOk(await h.send(await E.setPausedIx({ admin: next, paused: true }), { payer: next }));
});

test("Settle_MixedReleaseAndTransfer_Refused", async () => {
  const { h, mint, user } = await setup();
  const o = await h.open(user, mint);
  const to = await h.user(mint, 0n);
  expectError(await h.settle({ epoch: 1n, actions: [
    { kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint },
    { kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address },
  ] }), "MixedChunk");
});

test("ReleaseAndRefundExpired_WindowsDisjoint_AtTheBoundary", async () => {
  const { h, mint, user } = await setup();
  const o1 = await h.open(user, mint);
  const o2 = await h.open(user, mint);
  const end = E.decodeIntent(h.data(o1.intent)).deadline + GRACE;
  h.setTime(end); // last second of the Release window: Release yes, refundExpired no
  expectError(await h.send(await E.refundExpiredIx({ intent: o2.intent, mint, to: user.token })), "TooEarly");
  expectOk(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.release, intentId: o1.intentId, intent: o1.intent, mint }] }));
  h.setTime(end + 1n); // first second after: refundExpired yes, Release no
  expectError(await h.settle({ epoch: 2n, actions: [{ kind: E.ACTION.release, intentId: o2.intentId, intent: o2.intent, mint }] }), "ReleaseWindowClosed");
  expectOk(await h.send(await E.refundExpiredIx({ intent: o2.intent, mint, to: user.token })));
});

test("Claim_OnlyOwner_ToAccountOfTheirChoice_EmitsEvents", async () => {
  const { h, mint, vault } = await setup();
  const bob = await h.user(mint, 0n);
  const frozen = await h.tokenAccount(mint, bob.signer.address, 0n);
  const d = h.data(frozen); d[108] = 2; h.setAccount(frozen, E.TOKEN_PROGRAM, d);
  const source = new Uint8Array(32).fill(0x91);
  const r = await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.payout, intentId: source, mint, amount: 9n, to: frozen, account: bob.signer.address }] });
  expectOk(r);
  const created = r.events.find((e) => e.name === "ClaimCreated");
  assert.deepEqual([created.owner, created.mint, created.amount, created.claimTotal, created.kind, created.destination, created.size], [bob.signer.address, mint, 9n, 9n, 2, frozen, 154]);
  const claim = (await E.claimPda(bob.signer.address, mint)).address;
  assert.equal(r.events.find((e) => e.name === "PayoutMade").recipientToken, claim);
  assert.equal(h.pool(mint).claims, 9n);
  assertConserved(h, mint, vault);
  // a stranger cannot claim it; the owner cannot claim into the vault or a frozen account
  const thief = await h.user(mint, 0n);
  expectError(await h.send(await E.claimIx({ owner: thief.signer, mint, to: thief.token }), { payer: thief.signer }), "WrongOwner");
  expectError(await h.send(await E.claimIx({ owner: bob.signer, mint, to: vault }), { payer: bob.signer }), "Undeliverable");
  expectError(await h.send(await E.claimIx({ owner: bob.signer, mint, to: frozen }), { payer: bob.signer }), "Undeliverable");
  // any account of the mint will do, even someone else's
  const friend = await h.user(mint, 0n);
  const claimed = await h.send(await E.claimIx({ owner: bob.signer, mint, to: friend.token }), { payer: bob.signer });
  expectOk(claimed);
  assert.equal(h.tokenBalance(friend.token), 9n);
  assert.deepEqual(claimed.events.find((e) => e.name === "Claimed"), { name: "Claimed", owner: bob.signer.address, mint, destination: friend.token, amount: 9n, size: 105 });
  assert.equal(h.pool(mint).claims, 0n);
  assertConserved(h, mint, vault);
  expectError(await h.send(await E.claimIx({ owner: bob.signer, mint, to: friend.token }), { payer: bob.signer }), "ZeroAmount");
});

test("SetDestinationChain_AddsAndRemoves", async () => {
  const { h, mint, user } = await setup();
  expectError(await h.open(user, mint, { destinationChainId: 5n }), "UnknownDestinationChain");
  expectOk(await h.send(await E.setDestinationChainIx({ admin: h.admin, chainId: 5n, enabled: true })));
  expectOk(await h.open(user, mint, { destinationChainId: 5n }));
  expectOk(await h.send(await E.setDestinationChainIx({ admin: h.admin, chainId: 5n, enabled: false })));
  assert.deepEqual(h.config().destinationChains, [EVM_CHAIN]);
  expectError(await h.open(user, mint, { destinationChainId: 5n }), "UnknownDestinationChain");
});

// ---------------------------------------------------------------- rejections

test("Settle_MissingSigner_Rejected", async () => {
  const { h, a, b, mint } = await setup();
  const to = await h.user(mint, 0n);
  const ix = await E.settleIx({ payer: a, chainId: CHAIN_ID, epoch: 1n, chunk: 0, batchRoot: zero32, attestors: [a, b], actions: [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }] });
  const bIndex = ix.accounts.findIndex((m) => m.address === b.address);
  ix.accounts[bIndex] = { address: b.address, role: AccountRole.READONLY };
  expectError(await h.send(ix, { payer: a }), "MissingSigner");
});

test("Open_DepositorNotSigner_Rejected", async () => {
  const { h, mint, user } = await setup();
  const o = await E.openIx(h.openParams(user, mint));
  o.instruction.accounts[0] = { address: user.signer.address, role: AccountRole.WRITABLE };
  expectError(await h.send(o.instruction), "MissingSigner");
});

test("Settle_SignerNotInSet_BelowThreshold_Duplicate_Rejected", async () => {
  const { h, a, mint } = await setup();
  const to = await h.user(mint, 0n);
  const actions = [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }];
  const stranger = await h.funded();
  expectError(await h.settle({ epoch: 1n, attestors: [a, stranger], actions }), "SignerNotRegistered");
  expectError(await h.settle({ epoch: 1n, attestors: [a], actions }), "BelowThreshold");
  const ix = await E.settleIx({ payer: a, chainId: CHAIN_ID, epoch: 1n, chunk: 0, batchRoot: zero32, attestors: [a, a], actions });
  expectError(await h.send(ix, { payer: a }), "DuplicateSigner");
});

test("Settle_ReplayedEpochChunk_Rejected", async () => {
  const { h, mint } = await setup();
  const to = await h.user(mint, 0n);
  const actions = [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }];
  expectOk(await h.settle({ epoch: 4n, chunk: 1, actions }));
  expectError(await h.settle({ epoch: 4n, chunk: 1, actions }), "ChunkAlreadyApplied");
  // the same Withdraw (same leaf) in another chunk is applied at most once (rule 7)
  expectError(await h.settle({ epoch: 4n, chunk: 2, actions }), "AlreadyWithdrawn");
  expectOk(await h.settle({ epoch: 4n, chunk: 2, actions: [{ ...actions[0], amount: 2n }] }));
  assert.equal(h.tokenBalance(to.token), 3n);
});

test("Settle_SecondPayoutForOneSourceIntent_Rejected", async () => {
  const { h, mint } = await setup();
  const to = await h.user(mint, 0n);
  const payout = { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(1), mint, amount: 5n, to: to.token, account: to.signer.address };
  expectOk(await h.settle({ epoch: 1n, actions: [payout] }));
  expectError(await h.settle({ epoch: 2n, actions: [payout] }), "AlreadyPaid");
  // twice inside one chunk too
  const other = { ...payout, intentId: new Uint8Array(32).fill(2) };
  expectError(await h.settle({ epoch: 3n, actions: [other, other] }), "AlreadyPaid");
  assert.equal(h.tokenBalance(to.token), 5n);
});

test("Settle_PayoutBeyondPool_Rejected_EscrowedFundsUntouchable", async () => {
  const { h, mint, user } = await setup({ fund: 0n });
  expectOk(await h.open(user, mint)); // 1 token escrowed, pool 0
  const to = await h.user(mint, 0n);
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(3), mint, amount: 1n, to: to.token, account: to.signer.address }] }), "InsufficientPool");
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }] }), "InsufficientPool");
});

// The aggregator fills an intent whose minOutputAmount is 0 even when its payout rounds down to 0
// (e.g. a same-asset transfer from an 18- to a 6-decimal token). The EVM escrow applies such a
// Payout (marks the source intent paid, transfers 0); this escrow must too, or the whole chunk that
// carries it could never apply here while the matching Release already took the input on the
// origin chain.
test("Settle_ZeroAmountPayout_AppliesAndMarksPaid_LikeEvm", async () => {
  const { h, mint, vault } = await setup();
  const to = await h.user(mint, 0n);
  const source = new Uint8Array(32).fill(0x33);
  const other = await h.user(mint, 0n);
  const r = await h.settle({ epoch: 1n, actions: [
    { kind: E.ACTION.payout, intentId: source, mint, amount: 0n, to: to.token, account: to.signer.address },
    { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(0x34), mint, amount: 4n, to: other.token, account: other.signer.address },
  ] });
  expectOk(r);
  assert.equal(h.tokenBalance(to.token), 0n);
  assert.equal(h.tokenBalance(other.token), 4n);
  assert.equal(h.pool(mint).pool, 50_000_000n - 4n);
  assert.equal(h.tokenBalance(vault), 50_000_000n - 4n);
  assert.equal(h.account((await E.paidPda(source)).address).programAddress, E.PROGRAM_ID);
  const leaf = E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: 2, intentId: source, token: mint, account: to.signer.address, amount: 0n });
  assert.ok(r.events.some((e) => e.name === "PayoutMade" && e.amount === 0n));
  const leg = r.events.find((e) => e.name === "LegApplied");
  const leaf2 = E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: 2, intentId: new Uint8Array(32).fill(0x34), token: mint, account: other.signer.address, amount: 4n });
  assert.deepEqual(leg.chunkHash, E.keccak256(Buffer.concat([leaf, leaf2])));
  // paid once, ever: a second (even zero) payout for it is refused
  expectError(await h.settle({ epoch: 2n, actions: [{ kind: E.ACTION.payout, intentId: source, mint, amount: 0n, to: to.token, account: to.signer.address }] }), "AlreadyPaid");
});

// A Release of a non-Open intent and a Refund of a Released one fail; a Refund of an intent the depositor
// already took back with refundExpired is skipped (as on the EVM escrow): its leaf still counts, nothing moves.
test("Settle_ReleaseOfNonOpen_RefundOfReleased_Rejected_RefundOfRefunded_Skipped", async () => {
  const { h, mint, user, vault } = await setup();
  const o = await h.open(user, mint);
  const release = { kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint };
  expectOk(await h.settle({ epoch: 1n, actions: [release] }));
  expectError(await h.settle({ epoch: 2n, actions: [release] }), "IntentNotOpen");
  expectError(await h.settle({ epoch: 2n, actions: [{ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: 1_000_000n, to: user.token, account: user.signer.address }] }), "IntentNotOpen");
  const o2 = await h.open(user, mint);
  h.setTime(E.decodeIntent(h.data(o2.intent)).deadline + GRACE + 1n);
  expectOk(await h.send(await E.refundExpiredIx({ intent: o2.intent, mint, to: user.token })));
  expectError(await h.settle({ epoch: 3n, actions: [{ ...release, intentId: o2.intentId, intent: o2.intent }] }), "IntentNotOpen");
  const before = { user: h.tokenBalance(user.token), vault: h.tokenBalance(vault), pool: h.pool(mint) };
  const r = await h.settle({ epoch: 3n, actions: [{ kind: E.ACTION.refund, intentId: o2.intentId, intent: o2.intent, mint, amount: 1_000_000n, to: user.token, account: user.signer.address }] });
  expectOk(r);
  assert.equal(h.tokenBalance(user.token), before.user);
  assert.equal(h.tokenBalance(vault), before.vault);
  assert.deepEqual(h.pool(mint), before.pool);
  assert.equal(E.decodeIntent(h.data(o2.intent)).status, E.STATUS.refunded);
  assert.ok(!r.events.some((e) => e.name === "IntentRefunded" || e.name === "ClaimCreated"));
  const leaf = E.leafHash({ chainId: CHAIN_ID, epoch: 3n, kind: 1, intentId: o2.intentId, token: mint, account: user.signer.address, amount: 1_000_000n });
  assert.deepEqual(r.events.find((e) => e.name === "LegApplied").chunkHash, E.keccak256(leaf));
  // the skipped Refund's fields are still checked against the intent
  expectError(await h.settle({ epoch: 4n, actions: [{ kind: E.ACTION.refund, intentId: o2.intentId, intent: o2.intent, mint, amount: 1n, to: user.token, account: user.signer.address }] }), "InvalidActionField");
});

test("Settle_ActionFieldsMustMatchIntent", async () => {
  const { h, mint, user } = await setup();
  const o = await h.open(user, mint);
  const o2 = await h.open(user, mint);
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.release, intentId: o.intentId, intent: o2.intent, mint }] }), "IntentMismatch");
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.release, intentId: o.intentId, intent: o.intent, mint, amount: 1n }] }), "InvalidActionField");
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: 1n, to: user.token, account: user.signer.address }] }), "InvalidActionField");
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.withdraw, intentId: o.intentId, mint, amount: 1n, to: user.token, account: user.signer.address }] }), "InvalidActionField");
});

/** The address ["paid"/"receipt"/…, seeds…] derives with the first valid bump below the canonical one (a second PDA of the same seeds). */
async function nonCanonicalPda(seeds) {
  const { bump } = await E.pda(seeds);
  const enc = new TextEncoder();
  const parts = seeds.map((s) => (typeof s === "string" ? enc.encode(s) : s));
  for (let b = bump - 1; b > 0; b--) {
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    hash.update(Uint8Array.of(b)).update(getAddressEncoder().encode(E.PROGRAM_ID)).update(enc.encode("ProgramDerivedAddress"));
    const address = getAddressDecoder().decode(hash.digest());
    if (isOffCurveAddress(address)) return { address, bump: b, canonical: bump };
  }
  throw new Error("no second bump");
}

test("Settle_MarkerOrReceiptAtNonCanonicalBump_Refused_OneAddressPerSourceIntent", async () => {
  const { h, mint } = await setup();
  const to = await h.user(mint, 0n);
  const id = new Uint8Array(32).fill(0x5a);
  const payout = { kind: E.ACTION.payout, intentId: id, mint, amount: 1n, to: to.token, account: to.signer.address };
  // a valid PDA of the same seeds at a lower bump: a second paid marker for the same source intent would pay it twice
  const second = await nonCanonicalPda(["paid", id]);
  assert.ok(second.bump < second.canonical);
  expectError(await h.settle({ epoch: 1n, actions: [{ ...payout, marker: second.address }] }), "InvalidPda");
  const receipt = await nonCanonicalPda(["receipt", Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0), new Uint8Array(4)]);
  expectError(await h.settle({ epoch: 1n, actions: [payout], overrides: { receipt: receipt.address } }), "InvalidPda");
  // the canonical marker pays once; the second address stays refused afterwards
  assert.equal((await h.settle({ epoch: 1n, actions: [payout] })).ok, true);
  assert.equal(h.tokenBalance(to.token), 1n);
  expectError(await h.settle({ epoch: 2n, actions: [{ ...payout, marker: second.address }] }), "InvalidPda");
  expectError(await h.settle({ epoch: 2n, actions: [payout] }), "AlreadyPaid");
  assert.equal(h.tokenBalance(to.token), 1n);
});

test("Settle_WrongOwner_FakePda_FakeVault_Rejected", async () => {
  const { h, mint, user, vault } = await setup();
  const to = await h.user(mint, 0n);
  const withdraw = { kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address };
  // pool state replaced by an account of another program (a token account)
  expectError(await h.settle({ epoch: 1n, actions: [{ ...withdraw, pool: to.token }] }), "WrongOwner");
  // fake vault: a token account of the right mint owned by the attacker
  expectError(await h.settle({ epoch: 1n, actions: [{ ...withdraw, vault: user.token }] }), "WrongVault");
  // fake receipt PDA
  const fake = (await generateKeyPairSigner()).address;
  expectError(await h.settle({ epoch: 1n, actions: [withdraw], overrides: { receipt: fake } }), "InvalidPda");
  // fake paid marker
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(5), mint, amount: 1n, to: to.token, account: to.signer.address, marker: fake }] }), "InvalidPda");
  // fake vault authority
  expectError(await h.settle({ epoch: 1n, actions: [withdraw], overrides: { authority: fake } }), "InvalidPda");
  // wrong token program
  expectError(await h.settle({ epoch: 1n, actions: [withdraw], overrides: { token: E.SYSTEM_PROGRAM } }), "WrongProgramId");
  // a program-owned account of another type where a pool is expected
  const intentAddr = (await h.open(user, mint)).intent;
  expectError(await h.settle({ epoch: 1n, actions: [{ ...withdraw, pool: intentAddr }] }), "WrongAccountType");
  assert.equal(h.tokenBalance(vault), 51_000_000n);
});

test("Payout_TokenAccountOfWrongMint_BecomesClaim", async () => {
  const { h, mint, vault } = await setup();
  const otherMint = await h.newMint();
  const to = await h.user(otherMint, 0n);
  expectOk(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(6), mint, amount: 1n, to: to.token, account: to.signer.address }] }));
  assert.equal(E.decodeClaim(h.data((await E.claimPda(to.signer.address, mint)).address)).amount, 1n);
  assertConserved(h, mint, vault);
});

test("Refund_ToTokenAccountNotOwnedByDepositor_NeverReachesIt", async () => {
  const { h, mint, user } = await setup();
  const o = await h.open(user, mint);
  const o2 = await h.open(user, mint);
  const thief = await h.user(mint, 0n);
  // the leaf names the depositor: an action naming anyone else is refused
  expectError(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: 1_000_000n, to: thief.token, account: thief.signer.address }] }), "InvalidActionField");
  // the depositor's refund sent to the thief's account becomes the depositor's claim
  expectOk(await h.settle({ epoch: 1n, actions: [{ kind: E.ACTION.refund, intentId: o.intentId, intent: o.intent, mint, amount: 1_000_000n, to: thief.token, account: user.signer.address }] }));
  assert.equal(h.tokenBalance(thief.token), 0n);
  assert.equal(E.decodeClaim(h.data((await E.claimPda(user.signer.address, mint)).address)).amount, 1_000_000n);
  h.setTime(h.now() + 600n + GRACE + 1n);
  expectError(await h.send(await E.refundExpiredIx({ intent: o2.intent, mint, to: thief.token })), "Undeliverable");
});

test("Open_Rejections", async () => {
  const { h, mint, user, vault } = await setup();
  expectError(await h.open(user, mint, { amount: 0n }), "ZeroAmount");
  expectError(await h.open(user, mint, { fillDeadline: h.now() }), "DeadlinePassed");
  expectError(await h.open(user, mint, { destinationChainId: 777n }), "UnknownDestinationChain");
  expectError(await h.open(user, mint, { recipient: zero32 }), "ZeroRecipient");
  const otherMint = await h.newMint();
  const wrongMintToken = await h.tokenAccount(otherMint, user.signer.address, 5_000_000n);
  expectError(await h.open({ ...user, token: wrongMintToken }, mint), "WrongMint");
  const someoneElse = await h.user(mint, 5_000_000n);
  expectError(await h.open({ ...user, token: someoneElse.token }, mint), "WrongTokenOwner");
  const fake = (await generateKeyPairSigner()).address;
  expectError(await h.open(user, mint, { overrides: { intent: fake } }), "InvalidPda");
  expectError(await h.open(user, mint, { overrides: { vault: someoneElse.token } }), "WrongVault");
  expectError(await h.open(user, mint, { overrides: { pool: someoneElse.token } }), "WrongOwner");
  expectError(await h.open(user, mint, { overrides: { system: E.TOKEN_PROGRAM } }), "WrongProgramId");
  assert.equal(h.tokenBalance(user.token), 5_000_000n);
  assert.equal(h.tokenBalance(vault), 50_000_000n);
  assert.equal(h.config().nonce, 0n);
});

test("Pause_BlocksOpenAndSettle_UnpauseRestores", async () => {
  const { h, mint, user } = await setup();
  const to = await h.user(mint, 0n);
  const actions = [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }];
  expectOk(await h.send(await E.setPausedIx({ admin: h.admin, paused: true })));
  assert.equal(h.config().paused, true);
  expectError(await h.open(user, mint), "Paused");
  expectError(await h.settle({ epoch: 1n, actions }), "Paused");
  const stranger = await h.funded();
  expectError(await h.send(await E.setPausedIx({ admin: stranger, paused: false }), { payer: stranger }), "Unauthorized");
  expectOk(await h.send(await E.setPausedIx({ admin: h.admin, paused: false })));
  expectOk(await h.open(user, mint));
  expectOk(await h.settle({ epoch: 1n, actions }));
});

test("Fund_ZeroAmountAndForeignTokenAccount_Rejected", async () => {
  const { h, mint, user } = await setup();
  const funder = await h.user(mint, 10n);
  expectError(await h.send(await E.fundIx({ funder: funder.signer, source: funder.token, mint, amount: 0n }), { payer: funder.signer }), "ZeroAmount");
  expectError(await h.send(await E.fundIx({ funder: funder.signer, source: user.token, mint, amount: 1n }), { payer: funder.signer }), "WrongTokenOwner");
});

// Review: a third party sending lamports to a future receipt or paid-marker PDA (below and above
// the rent-exempt minimum) can neither block the Settle nor make it look applied/paid.
test("Settle_ReceiptAndPaidMarkerPrefundedByThirdParty_StillApply", async () => {
  const { h, mint } = await setup();
  const to = await h.user(mint, 0n);
  const source = new Uint8Array(32).fill(0x44);
  const receipt = (await E.receiptPda(9n, 3)).address;
  const marker = (await E.paidPda(source)).address;
  expectOk(await h.send(getTransferSolInstruction({ source: h.payer, destination: receipt, amount: lamports(890_880n) })));
  expectOk(await h.send(getTransferSolInstruction({ source: h.payer, destination: marker, amount: lamports(10_000_000n) })));
  expectOk(await h.settle({ epoch: 9n, chunk: 3, actions: [{ kind: E.ACTION.payout, intentId: source, mint, amount: 5n, to: to.token, account: to.signer.address }] }));
  assert.equal(h.tokenBalance(to.token), 5n);
  assert.equal(h.account(receipt).programAddress, E.PROGRAM_ID);
  assert.equal(h.account(marker).programAddress, E.PROGRAM_ID);
  expectError(await h.settle({ epoch: 9n, chunk: 3, actions: [{ kind: E.ACTION.withdraw, mint, amount: 1n, to: to.token, account: to.signer.address }] }), "ChunkAlreadyApplied");
  expectError(await h.settle({ epoch: 9n, chunk: 4, actions: [{ kind: E.ACTION.payout, intentId: source, mint, amount: 5n, to: to.token, account: to.signer.address }] }), "AlreadyPaid");
});
