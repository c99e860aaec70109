// The intent id is keccak256(chainId BE32 | escrow | nonce BE32), the same
// bytes as the EVM escrow's; checked against js-sha3 and against the program.
import { test } from "node:test";
import assert from "node:assert/strict";
import jsSha3 from "js-sha3";
import * as E from "../client/escrow.js";
import { Harness, CHAIN_ID } from "./harness.js";

const independent = (chainId, escrowHex, nonce) => {
  const buf = Buffer.alloc(96);
  buf.writeBigUInt64BE(BigInt(chainId), 24);
  Buffer.from(escrowHex, "hex").copy(buf, 32);
  buf.writeBigUInt64BE(BigInt(nonce), 88);
  return jsSha3.keccak256(buf);
};

test("IntentId_EvmCrossCheckVector_MatchesReadme", () => {
  const escrow = "0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3";
  const expected = "e4db81f4f0dc07cc01c5757f5384579f34b8ff7ae6ad60eacdc81e4d9be95763";
  assert.equal(independent(31337, escrow, 0), expected);
  assert.equal(Buffer.from(E.intentId(31337n, Buffer.from(escrow, "hex"), 0n)).toString("hex"), expected);
});

test("IntentId_ComputedOnChain_EqualsIndependentKeccak", async () => {
  const h = await Harness.create();
  const s = await h.funded();
  await h.initialize({ signers: [s], threshold: 1 });
  const mint = await h.newMint();
  await h.createPool(mint);
  const user = await h.user(mint, 10n ** 9n);
  const programHex = Buffer.from(E.keyBytes(E.PROGRAM_ID)).toString("hex");
  for (let nonce = 0; nonce < 3; nonce++) {
    const r = await h.open(user, mint, { amount: 1n });
    assert.equal(r.ok, true, r.err);
    const ev = r.events.find((e) => e.name === "IntentOpened");
    assert.equal(Buffer.from(ev.intentId).toString("hex"), independent(CHAIN_ID, programHex, nonce));
    assert.equal(ev.nonce, BigInt(nonce));
  }
});
