// The byte layouts README.md promises the adapters: instruction data built by
// hand from the README's offsets equals the client's, event sizes and account
// offsets are as documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSigner } from "@solana/kit";
import * as E from "../client/escrow.js";
import { Harness, CHAIN_ID, EVM_CHAIN, DELAY } from "./harness.js";

test("OpenData_HandBuiltFromReadme_EqualsClient", async () => {
  const depositor = await generateKeyPairSigner();
  const mint = (await generateKeyPairSigner()).address;
  const p = { depositor, sourceToken: mint, mint, amount: 0x0102030405060708n, destinationChainId: 31337n, outputToken: new Uint8Array(32).fill(3),
    minOutputAmount: (1n << 200n) + 5n, recipient: new Uint8Array(32).fill(4), fillDeadline: 1767229200n, chainId: 900001n, nonce: 0n };
  const { instruction } = await E.openIx(p);
  const d = Buffer.alloc(153);
  d[0] = 2;
  Buffer.from(E.keyBytes(mint)).copy(d, 1);
  d.writeBigUInt64LE(p.amount, 33);
  d.writeBigUInt64LE(31337n, 41);
  d.fill(3, 49, 81);
  Buffer.from(((1n << 200n) + 5n).toString(16).padStart(64, "0"), "hex").copy(d, 81); // u256 big-endian
  d.fill(4, 113, 145);
  d.writeBigInt64LE(1767229200n, 145);
  assert.deepEqual(Buffer.from(instruction.data), d);
  assert.equal(instruction.accounts.length, 8);
});

test("SettleData_HandBuiltFromReadme_EqualsClient", async () => {
  const payer = await generateKeyPairSigner();
  const mint = (await generateKeyPairSigner()).address;
  const to = (await generateKeyPairSigner()).address;
  const wallet = (await generateKeyPairSigner()).address;
  const id = new Uint8Array(32).fill(9);
  const ix = await E.settleIx({ payer, epoch: 7n, chunk: 3, batchRoot: new Uint8Array(32).fill(8), attestors: [payer], chainId: CHAIN_ID,
    actions: [{ kind: E.ACTION.payout, intentId: id, mint, amount: 500n, to, account: wallet }, { kind: E.ACTION.withdraw, mint, amount: 6n, to, account: wallet }] });
  const d = Buffer.alloc(47 + 73 * 2);
  d[0] = 3;
  d.writeBigUInt64LE(7n, 1);
  d.writeUInt32LE(3, 9);
  d.fill(8, 13, 45);
  d[45] = 1; // attestors
  d[46] = 2; // actions
  d[47] = 2; d.fill(9, 48, 80); Buffer.from(E.keyBytes(wallet)).copy(d, 80); d.writeBigUInt64LE(500n, 112);
  d[120] = 3; Buffer.from(E.keyBytes(wallet)).copy(d, 153); d.writeBigUInt64LE(6n, 185);
  assert.deepEqual(Buffer.from(ix.data), d);
  // fixed accounts, 1 attestor, payout group (5), withdraw group (5)
  assert.equal(ix.accounts.length, 6 + 1 + 5 + 5);
  const claim = (await E.claimPda(wallet, mint)).address;
  const leaf = E.leafHash({ chainId: CHAIN_ID, epoch: 7n, kind: 3, intentId: new Uint8Array(32), token: mint, account: wallet, amount: 6n });
  assert.deepEqual(ix.accounts.slice(7).map((m) => m.address), [
    (await E.paidPda(id)).address, (await E.poolPda(mint)).address, (await E.vaultPda(mint)).address, to, claim,
    (await E.withdrawnPda(leaf)).address, (await E.poolPda(mint)).address, (await E.vaultPda(mint)).address, to, claim,
  ]);
});

test("V2AdminData_HandBuiltFromReadme_EqualsClient", async () => {
  const k = await generateKeyPairSigner();
  const init = await E.initializeIx({ admin: k, chainId: 900001n, graceSeconds: 3600n, activationDelaySeconds: 7200n, threshold: 1, signers: [k.address] });
  const d = Buffer.alloc(27 + 32);
  d[0] = 0; d.writeBigUInt64LE(900001n, 1); d.writeBigUInt64LE(3600n, 9); d.writeBigUInt64LE(7200n, 17); d[25] = 1; d[26] = 1;
  Buffer.from(E.keyBytes(k.address)).copy(d, 27);
  assert.deepEqual(Buffer.from(init.data), d);
  const propose = await E.proposeSignersIx({ attestors: [k], threshold: 1, signers: [k.address] });
  assert.deepEqual(Buffer.from(propose.data), Buffer.concat([Buffer.from([9, 1, 1]), Buffer.from(E.keyBytes(k.address))]));
  assert.deepEqual(propose.accounts.map((m) => m.address), [(await E.configPda()).address, k.address]);
  assert.deepEqual(Buffer.from((await E.activateSignersIx()).data), Buffer.from([10]));
  assert.deepEqual(Buffer.from((await E.proposeAdminIx({ admin: k, newAdmin: k.address })).data), Buffer.concat([Buffer.from([11]), Buffer.from(E.keyBytes(k.address))]));
  assert.deepEqual(Buffer.from((await E.acceptAdminIx({ newAdmin: k })).data), Buffer.from([12]));
  const claim = await E.claimIx({ owner: k, mint: k.address, to: k.address });
  assert.deepEqual(Buffer.from(claim.data), Buffer.from([13]));
  assert.equal(claim.accounts.length, 8);
});

test("EventSizes_AndAccountOffsets_AsDocumented", async () => {
  const h = await Harness.create();
  const a = await h.funded();
  const init = await h.initialize({ signers: [a], threshold: 1 });
  assert.equal(init.events[0].size, 13);
  const mint = await h.newMint();
  await h.createPool(mint);
  const funded = await h.fund(mint, 100n);
  assert.equal(funded.events[0].size, 81);
  const user = await h.user(mint, 10n);
  const o1 = await h.open(user, mint, { amount: 2n });
  const o2 = await h.open(user, mint, { amount: 3n });
  assert.equal(o1.events[0].size, 233);
  const to = await h.user(mint, 0n);
  const r0 = await h.settle({ epoch: 1n, chunk: 1, actions: [{ kind: E.ACTION.release, intentId: o1.intentId, intent: o1.intent, mint }] });
  assert.equal(r0.ok, true, r0.err);
  const r = await h.settle({ epoch: 1n, actions: [
    { kind: E.ACTION.refund, intentId: o2.intentId, intent: o2.intent, mint, amount: 3n, to: user.token, account: user.signer.address },
    { kind: E.ACTION.payout, intentId: new Uint8Array(32).fill(1), mint, amount: 4n, to: to.token, account: to.signer.address },
    { kind: E.ACTION.withdraw, mint, amount: 5n, to: to.token, account: to.signer.address },
  ] });
  assert.equal(r.ok, true, r.err);
  const sizes = Object.fromEntries([...r0.events, ...r.events].map((e) => [e.name, e.size]));
  assert.deepEqual(sizes, { IntentReleased: 81, IntentRefunded: 114, PayoutMade: 145, Withdrawn: 113, LegApplied: 81 });
  assert.equal(init.events.length, 2);
  assert.equal((await h.createPool(await h.newMint())).events[0].size, 97);

  const cfg = Buffer.from(h.data(h.configAddress));
  assert.equal(cfg.length, 1312);
  assert.equal(cfg[1], 2);
  assert.equal(cfg.readBigUInt64LE(768), DELAY);
  assert.equal(cfg.readBigUInt64LE(776), 1n);
  assert.equal(cfg[0], 1);
  assert.equal(cfg.readBigUInt64LE(40), CHAIN_ID);
  assert.equal(cfg.readBigUInt64LE(48), 2n);
  assert.equal(cfg.readBigUInt64LE(608), EVM_CHAIN);
  assert.deepEqual(cfg.subarray(64, 96), Buffer.from(E.keyBytes((await E.authorityPda()).address)));
  const pool = Buffer.from(h.data(h.pools[mint]));
  assert.equal(pool.length, 96);
  assert.equal(pool.readBigUInt64LE(88), 0n);
  assert.equal(pool.readBigUInt64LE(72), 100n + 2n - 4n - 5n);
  assert.equal(pool.readBigUInt64LE(80), 0n);
  const intent = Buffer.from(h.data(o2.intent));
  assert.equal(intent.length, 240);
  assert.equal(intent[1], E.STATUS.refunded);
  assert.deepEqual(intent.subarray(8, 40), Buffer.from(o2.intentId));
  assert.equal(intent.readBigUInt64LE(112), 3n);
  const wmarker = Buffer.from(h.data((await E.withdrawnPda(E.leafHash({ chainId: CHAIN_ID, epoch: 1n, kind: 3, intentId: null, token: mint, account: to.signer.address, amount: 5n }))).address));
  assert.deepEqual([wmarker.length, wmarker[0], wmarker.readBigUInt64LE(8), wmarker.readBigUInt64LE(16)], [56, 7, 1n, 5n]);
  const receipt = Buffer.from(h.data((await E.receiptPda(1n, 0)).address));
  assert.equal(receipt.length, 96);
  assert.equal(receipt.readUInt32LE(20), 3);
  const marker = Buffer.from(h.data((await E.paidPda(new Uint8Array(32).fill(1))).address));
  assert.equal(marker.length, 56);
  assert.equal(marker.readBigUInt64LE(16), 4n);
  assert.deepEqual(marker.subarray(24, 56), Buffer.from(E.keyBytes(mint)));
});
