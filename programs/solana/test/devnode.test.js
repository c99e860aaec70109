// The dev node as a separate process, driven by @solana/kit as a real client:
// airdrop, send (base64 and base58), confirm, transaction logs and events,
// signature paging, account queries, preflight errors, clock warps.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AccountRole, address, appendTransactionMessageInstructions, compileTransaction, compressTransactionMessageUsingAddressLookupTables, createSolanaRpc, createTransactionMessage, fetchEncodedAccount, generateKeyPairSigner,
  getAddressEncoder, getBase58Decoder, getBase64EncodedWireTransaction, getProgramDerivedAddress, getSignatureFromTransaction, getTransactionEncoder, lamports, pipe,
  setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash, signTransactionMessageWithSigners,
} from "@solana/kit";
import { getCreateAccountInstruction, getTransferSolInstruction } from "@solana-program/system";
import { getInitializeAccount3Instruction, getInitializeMint2Instruction, getMintSize, getMintToInstruction, getTokenSize } from "@solana-program/token";
import * as E from "../client/escrow.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let proc, url, rpc;

before(async () => {
  proc = spawn(process.execPath, [path.join(here, "..", "devnode", "server.js"), "--port", "0", "--slot-ms", "100"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`devnode did not start: ${out}`)), 15000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/devnode listening on 127\.0\.0\.1:(\d+) program=(\w+)/);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    proc.once("exit", (code) => reject(new Error(`devnode exited with ${code}: ${out}`)));
  });
  assert.equal(line[2], E.PROGRAM_ID);
  url = `http://127.0.0.1:${line[1]}`;
  rpc = createSolanaRpc(url);
});

after(() => proc?.kill("SIGTERM"));

const raw = async (method, params = []) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return res.json();
};

async function confirm(signature) {
  for (let i = 0; i < 100; i++) {
    const { value } = await rpc.getSignatureStatuses([signature]).send();
    if (value[0]?.confirmationStatus === "finalized") return value[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not confirmed: ${signature}`);
}

async function buildTx(payer, instructions) {
  const { value: latest } = await rpc.getLatestBlockhash().send();
  const msg = pipe(createTransactionMessage({ version: 0 }), (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m), (m) => appendTransactionMessageInstructions(instructions, m));
  return signTransactionMessageWithSigners(msg);
}

async function sendAndConfirm(payer, instructions) {
  const tx = await buildTx(payer, instructions);
  const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64" }).send();
  assert.equal(signature, getSignatureFromTransaction(tx));
  const status = await confirm(signature);
  assert.equal(status.err, null);
  return signature;
}

async function airdrop(addr, sol = 10n) {
  const sig = await rpc.requestAirdrop(addr, lamports(sol * 1_000_000_000n)).send();
  await confirm(sig);
  return sig;
}

test("Devnode_BasicMethods_RealShapes", async () => {
  assert.equal(await rpc.getHealth().send(), "ok");
  assert.ok((await rpc.getVersion().send())["solana-core"]);
  const s1 = await rpc.getSlot().send();
  await new Promise((r) => setTimeout(r, 350));
  const s2 = await rpc.getSlot().send();
  assert.ok(s2 > s1, "slots advance with wall time");
  assert.ok((await rpc.getBlockHeight().send()) > 0n);
  assert.ok((await rpc.getMinimumBalanceForRentExemption(165n).send()) > 0n);
  const prog = await fetchEncodedAccount(rpc, E.PROGRAM_ID);
  assert.equal(prog.exists, true);
  assert.equal(prog.executable, true);
  const missing = await raw("getAccountInfo", [(await generateKeyPairSigner()).address, { encoding: "base64" }]);
  assert.equal(missing.result.value, null);
  assert.equal((await raw("noSuchMethod")).error.code, -32601);
  // minContextSlot: answered at or past it, refused below it (-32016) like a lagging node.
  const slot = Number(await rpc.getSlot().send());
  const atSlot = await raw("getAccountInfo", [E.PROGRAM_ID, { encoding: "base64", minContextSlot: slot }]);
  assert.ok(atSlot.result.context.slot >= slot);
  for (const [method, cfg] of [["getAccountInfo", { encoding: "base64" }], ["getSignaturesForAddress", {}]]) {
    const ahead = await raw(method, [E.PROGRAM_ID, { ...cfg, minContextSlot: slot + 1_000_000 }]);
    assert.equal(ahead.error.code, -32016, method);
    assert.ok(ahead.error.data.contextSlot >= slot, method);
  }
});

test("Devnode_EscrowFlow_WithKitClient", async () => {
  const admin = await generateKeyPairSigner();
  const attestor = await generateKeyPairSigner();
  const user = await generateKeyPairSigner();
  const airdropSig = await airdrop(admin.address);
  await airdrop(attestor.address);
  await airdrop(user.address);
  assert.equal((await rpc.getBalance(admin.address).send()).value, 10_000_000_000n);
  assert.equal((await rpc.getSignaturesForAddress(admin.address).send())[0].signature, airdropSig);

  // Initialize (+ destination chain)
  const initSig = await sendAndConfirm(admin, [
    await E.initializeIx({ admin, chainId: 900001n, graceSeconds: 3600n, activationDelaySeconds: 3600n, threshold: 1, signers: [attestor.address] }),
    await E.setDestinationChainIx({ admin, chainId: 31337n, enabled: true }),
  ]);
  const tx = await rpc.getTransaction(initSig, { maxSupportedTransactionVersion: 0, encoding: "json" }).send();
  assert.equal(tx.meta.err, null);
  assert.ok(tx.blockTime > 0n);
  assert.ok(tx.slot > 0n);
  assert.equal(tx.transaction.signatures[0], initSig);
  assert.ok(tx.transaction.message.accountKeys.includes(E.PROGRAM_ID));
  const events = E.eventsFromLogs(tx.meta.logMessages);
  assert.deepEqual(events.map((e) => e.name), ["ConfigChanged", "ConfigChanged"]);
  // a v0 transaction without maxSupportedTransactionVersion is refused like a validator does
  assert.equal((await raw("getTransaction", [initSig, { encoding: "json" }])).error.code, -32015);

  // preflight failure: -32002 with err and logs
  const again = await buildTx(admin, [await E.initializeIx({ admin, chainId: 1n, graceSeconds: 3600n, activationDelaySeconds: 3600n, threshold: 1, signers: [attestor.address] })]);
  const pre = await raw("sendTransaction", [getBase64EncodedWireTransaction(again), { encoding: "base64" }]);
  assert.equal(pre.error.code, -32002);
  assert.deepEqual(pre.error.data.err, { InstructionError: [0, { Custom: E.ERROR_CODE.AlreadyInitialized }] });
  assert.ok(pre.error.data.logs.some((l) => l.includes("failed: custom program error: 0x9")));
  assert.match(pre.error.message, /custom program error: 0x9/);
  const sim = await raw("simulateTransaction", [getBase64EncodedWireTransaction(again), { encoding: "base64" }]);
  assert.deepEqual(sim.result.value.err, { InstructionError: [0, { Custom: 9 }] });

  // SPL mint + token accounts created through real instructions
  const mint = await generateKeyPairSigner();
  const userToken = await generateKeyPairSigner();
  const mintRent = await rpc.getMinimumBalanceForRentExemption(BigInt(getMintSize())).send();
  const tokenRent = await rpc.getMinimumBalanceForRentExemption(BigInt(getTokenSize())).send();
  await sendAndConfirm(admin, [
    getCreateAccountInstruction({ payer: admin, newAccount: mint, lamports: mintRent, space: getMintSize(), programAddress: E.TOKEN_PROGRAM }),
    getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: admin.address }),
    getCreateAccountInstruction({ payer: admin, newAccount: userToken, lamports: tokenRent, space: getTokenSize(), programAddress: E.TOKEN_PROGRAM }),
    getInitializeAccount3Instruction({ account: userToken.address, mint: mint.address, owner: user.address }),
    getMintToInstruction({ mint: mint.address, token: userToken.address, mintAuthority: admin, amount: 5_000_000n }),
  ]);
  await sendAndConfirm(admin, [await E.createPoolIx({ admin, mint: mint.address })]);
  const bal = await rpc.getTokenAccountBalance(userToken.address).send();
  assert.equal(bal.value.amount, "5000000");
  assert.equal(bal.value.decimals, 6);

  // Open, three times, then page the program's signatures
  const cfgAddr = (await E.configPda()).address;
  const opens = [];
  for (let i = 0; i < 3; i++) {
    const cfg = E.decodeConfig((await fetchEncodedAccount(rpc, cfgAddr)).data);
    const { value: time } = { value: (await raw("devnode_info")).result.unixTimestamp };
    const o = await E.openIx({ depositor: user, sourceToken: userToken.address, mint: mint.address, amount: 1_000_000n, destinationChainId: 31337n,
      outputToken: new Uint8Array(32).fill(1), minOutputAmount: 1n, recipient: new Uint8Array(32).fill(2), fillDeadline: BigInt(time + 100),
      chainId: cfg.chainId, nonce: cfg.nonce });
    const sig = await sendAndConfirm(user, [o.instruction]);
    opens.push({ sig, ...o });
    const t = await rpc.getTransaction(sig, { maxSupportedTransactionVersion: 0 }).send();
    const opened = E.eventsFromLogs(t.meta.logMessages).find((e) => e.name === "IntentOpened");
    assert.deepEqual(opened.intentId, o.intentId);
    assert.equal(opened.nonce, BigInt(i));
  }
  const sigs = await rpc.getSignaturesForAddress(E.PROGRAM_ID).send();
  assert.deepEqual(sigs.slice(0, 3).map((s) => s.signature), opens.map((o) => o.sig).reverse(), "newest first");
  const page1 = await rpc.getSignaturesForAddress(E.PROGRAM_ID, { limit: 2 }).send();
  const page2 = await rpc.getSignaturesForAddress(E.PROGRAM_ID, { limit: 2, before: page1[1].signature }).send();
  assert.deepEqual([...page1, ...page2].map((s) => s.signature), sigs.slice(0, 4).map((s) => s.signature));
  const untilPage = await rpc.getSignaturesForAddress(E.PROGRAM_ID, { until: opens[0].sig }).send();
  assert.deepEqual(untilPage.map((s) => s.signature), [opens[2].sig, opens[1].sig]);
  assert.ok(sigs.every((s) => s.confirmationStatus === "finalized" && s.err === null));

  // account queries
  const intents = await rpc.getProgramAccounts(E.PROGRAM_ID, { encoding: "base64", filters: [{ dataSize: 240n }] }).send();
  assert.equal(intents.length, 3);
  const multi = await rpc.getMultipleAccounts([cfgAddr, opens[0].intent], { encoding: "base64" }).send();
  assert.equal(E.decodeConfig(Buffer.from(multi.value[0].data[0], "base64")).nonce, 3n);
  assert.equal(E.decodeIntent(Buffer.from(multi.value[1].data[0], "base64")).status, E.STATUS.open);

  // Settle a refund with the attestor paying
  await sendAndConfirm(attestor, [await E.settleIx({ payer: attestor, epoch: 1n, chunk: 0, batchRoot: new Uint8Array(32), attestors: [attestor],
    actions: [{ kind: E.ACTION.refund, intentId: opens[0].intentId, intent: opens[0].intent, mint: mint.address, amount: 1_000_000n, to: userToken.address, account: user.address }] })]);
  assert.equal((await rpc.getTokenAccountBalance(userToken.address).send()).value.amount, "3000000");

  // RefundExpired needs deadline + grace: warp the clock forward
  const early = await buildTx(admin, [await E.refundExpiredIx({ intent: opens[1].intent, mint: mint.address, to: userToken.address })]);
  assert.deepEqual((await raw("sendTransaction", [getBase64EncodedWireTransaction(early), { encoding: "base64" }])).error.data.err,
    { InstructionError: [0, { Custom: E.ERROR_CODE.TooEarly }] });
  const now = (await raw("devnode_info")).result.unixTimestamp;
  const warped = await raw("devnode_warpToTimestamp", [now + 3800]);
  assert.ok(warped.result.unixTimestamp >= now + 3800);
  await sendAndConfirm(admin, [await E.refundExpiredIx({ intent: opens[1].intent, mint: mint.address, to: userToken.address })]);
  assert.equal((await rpc.getTokenAccountBalance(userToken.address).send()).value.amount, "4000000");
});

test("Devnode_SendBase58_SkipPreflightFailure_Recorded", async () => {
  const a = await generateKeyPairSigner();
  const b = await generateKeyPairSigner();
  await airdrop(a.address, 2n);
  const tx = await buildTx(a, [getTransferSolInstruction({ source: a, destination: b.address, amount: lamports(1_000_000n) })]);
  const wire58 = getBase58Decoder().decode(getTransactionEncoder().encode(tx));
  const sig = await rpc.sendTransaction(wire58, { encoding: "base58" }).send();
  await confirm(sig);
  assert.equal((await rpc.getBalance(b.address).send()).value, 1_000_000n);
  // resending the same transaction is refused in preflight
  const dup = await raw("sendTransaction", [wire58]);
  assert.equal(dup.error.code, -32002);
  assert.equal(dup.error.data.err, "AlreadyProcessed");
  // a failing transaction sent with skipPreflight lands with its error
  const bad = await buildTx(a, [{ programAddress: E.PROGRAM_ID, accounts: [], data: Uint8Array.of(99) }]);
  const badSig = await rpc.sendTransaction(getBase64EncodedWireTransaction(bad), { encoding: "base64", skipPreflight: true }).send();
  const st = await confirm(badSig);
  // kit's RPC client turns JSON integers into bigints
  assert.deepEqual(st.err, { InstructionError: [0n, { Custom: BigInt(E.ERROR_CODE.InvalidInstruction) }] });
  const t = await rpc.getTransaction(badSig, { maxSupportedTransactionVersion: 0 }).send();
  assert.deepEqual(t.meta.err, st.err);
  assert.ok(t.meta.logMessages.length > 0);
  const forA = await rpc.getSignaturesForAddress(a.address, { limit: 1 }).send();
  assert.equal(forA[0].signature, badSig);
  assert.deepEqual(forA[0].err, st.err);
});

// A validator cuts a transaction's logs beyond 10 KB; devnode_truncateLogs makes the next transactions' logs come back
// cut the same way, so the watcher's reconciliation against the deposit counter can be tested end to end.
test("Devnode_TruncateLogs_NextTransactionLogsCutLikeAValidator", async () => {
  const a = await generateKeyPairSigner();
  const b = await generateKeyPairSigner();
  await airdrop(a.address, 2n);
  let n = 0n; // distinct amounts, so no two transfers share a signature
  const transfer = () => [getTransferSolInstruction({ source: a, destination: b.address, amount: lamports(1_000_000n + n++) })];
  const full = (await rpc.getTransaction(await sendAndConfirm(a, transfer()), { maxSupportedTransactionVersion: 0 }).send()).meta.logMessages;
  assert.ok(full.length >= 2 && !full.includes("Log truncated"));

  assert.deepEqual((await raw("devnode_truncateLogs", [2, Buffer.byteLength(full[0])])).result, { pending: 2 });
  const cut = (await rpc.getTransaction(await sendAndConfirm(a, transfer()), { maxSupportedTransactionVersion: 0 }).send()).meta.logMessages;
  assert.deepEqual(cut, [full[0], "Log truncated"]);
  const second = (await rpc.getTransaction(await sendAndConfirm(a, transfer()), { maxSupportedTransactionVersion: 0 }).send()).meta.logMessages;
  assert.deepEqual(second, [full[0], "Log truncated"]);
  const after = (await rpc.getTransaction(await sendAndConfirm(a, transfer()), { maxSupportedTransactionVersion: 0 }).send()).meta.logMessages;
  assert.deepEqual(after, full);

  assert.equal((await raw("devnode_truncateLogs", [0])).error.code, -32602);
  assert.equal((await raw("devnode_truncateLogs", [1, -1])).error.code, -32602);
});

test("Devnode_WarpSlot_Extension", async () => {
  const slot = Number(await rpc.getSlot().send());
  const r = await raw("devnode_warpSlot", [slot + 1000]);
  assert.ok(r.result.slot >= slot + 1000);
  assert.ok(Number(await rpc.getSlot().send()) >= slot + 1000);
  assert.equal((await raw("devnode_warpSlot", [1])).error.code, -32602);
});

// What the C# rotation flow reads: the Clock sysvar through getAccountInfo follows devnode_warpToTimestamp,
// forwards (to pass an activation delay or a Release window) and back to wall time (so other tests' deadlines hold).
test("Devnode_ClockSysvar_FollowsWarpForwardAndBack", async () => {
  const clock = async () => {
    const acc = await rpc.getAccountInfo(address("SysvarC1ock11111111111111111111111111111111"), { encoding: "base64" }).send();
    return Buffer.from(acc.value.data[0], "base64").readBigInt64LE(32);
  };
  const wall = Math.floor(Date.now() / 1000);
  await raw("devnode_warpToTimestamp", [wall + 7200]);
  assert.ok(await clock() >= BigInt(wall + 7200));
  await raw("devnode_warpToTimestamp", [wall]);
  const back = await clock();
  assert.ok(back >= BigInt(wall) && back < BigInt(wall + 60), `clock ${back}`);
});

// What the C# submitter relies on: the built-in Address Lookup Table program works against the dev node's SlotHashes
// (CreateLookupTable takes a recent slot from getSlot), a table's addresses are usable from the slot after the
// extension, unsigned simulation (sigVerify false) reports the units consumed, and getRecentPrioritizationFees
// reports the compute-unit prices of landed transactions per slot, filtered by written accounts.
test("Devnode_LookupTable_Simulation_PrioritizationFees", async () => {
  const ALT = address("AddressLookupTab1e1111111111111111111111111");
  const SYSTEM = address("11111111111111111111111111111111");
  const CB = address("ComputeBudget111111111111111111111111111111");
  const payer = await generateKeyPairSigner();
  const dest = await generateKeyPairSigner();
  await airdrop(payer.address);
  const enc = getAddressEncoder();
  const slot = await rpc.getSlot().send();
  const slotLe = Buffer.alloc(8); slotLe.writeBigUInt64LE(slot);
  const [table, bump] = await getProgramDerivedAddress({ programAddress: ALT, seeds: [enc.encode(payer.address), slotLe] });
  const tableAccounts = [{ address: table, role: AccountRole.WRITABLE }, { address: payer.address, role: AccountRole.READONLY_SIGNER }, { address: payer.address, role: AccountRole.WRITABLE_SIGNER }, { address: SYSTEM, role: AccountRole.READONLY }];
  const create = Buffer.alloc(13); create.writeUInt32LE(0, 0); create.writeBigUInt64LE(slot, 4); create[12] = bump;
  const extend = Buffer.alloc(12 + 32); extend.writeUInt32LE(2, 0); extend.writeBigUInt64LE(1n, 4); Buffer.from(enc.encode(dest.address)).copy(extend, 12);
  const extendSig = await sendAndConfirm(payer, [{ programAddress: ALT, accounts: tableAccounts, data: create }, { programAddress: ALT, accounts: tableAccounts, data: extend }]);
  const info = await rpc.getAccountInfo(table, { encoding: "base64" }).send();
  assert.equal(info.value.owner, ALT);
  const data = Buffer.from(info.value.data[0], "base64");
  assert.equal(data.length, 56 + 32);
  assert.equal(getBase58Decoder().decode(data.subarray(56)), dest.address);
  const extendedAt = data.readBigUInt64LE(12);
  assert.equal(extendedAt, (await rpc.getTransaction(extendSig, { maxSupportedTransactionVersion: 0 }).send()).slot);

  // A transfer to the table's address, priced at 1234 micro-lamports per CU, sent as v0 through the table.
  const price = Buffer.alloc(9); price[0] = 3; price.writeBigUInt64LE(1234n, 1);
  const ixs = [{ programAddress: CB, accounts: [], data: price }, getTransferSolInstruction({ source: payer, destination: dest.address, amount: 1_000_000n })];
  while ((await rpc.getSlot().send()) <= extendedAt) await raw("devnode_warpSlot", [Number(extendedAt) + 1]);
  const { value: latest } = await rpc.getLatestBlockhash().send();
  const msg = compressTransactionMessageUsingAddressLookupTables(pipe(createTransactionMessage({ version: 0 }), (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m), (m) => appendTransactionMessageInstructions(ixs, m)), { [table]: [dest.address] });
  const compiled = compileTransaction(msg);
  assert.equal(compiled.messageBytes[0], 0x80);
  const unsigned = getBase64EncodedWireTransaction(compiled);
  const sim = await raw("simulateTransaction", [unsigned, { encoding: "base64", sigVerify: false, replaceRecentBlockhash: true }]);
  assert.equal(sim.result.value.err, null);
  assert.ok(sim.result.value.unitsConsumed > 0);
  const simVerified = await raw("simulateTransaction", [unsigned, { encoding: "base64", sigVerify: true }]);
  assert.equal(simVerified.result.value.err, "SignatureFailure");
  const tx = await signTransactionMessageWithSigners(msg);
  const sig = await rpc.sendTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64" }).send();
  await confirm(sig);
  assert.equal((await rpc.getBalance(dest.address).send()).value, 1_000_000n);
  const landed = (await rpc.getTransaction(sig, { maxSupportedTransactionVersion: 0 }).send()).slot;

  const all = await raw("getRecentPrioritizationFees", [[dest.address]]);
  const entry = all.result.find((e) => BigInt(e.slot) === landed);
  assert.equal(entry.prioritizationFee, 1234);
  const other = await raw("getRecentPrioritizationFees", [[(await generateKeyPairSigner()).address]]);
  assert.equal(other.result.find((e) => BigInt(e.slot) === landed).prioritizationFee, 0);
  assert.ok(all.result.every((e, i) => i === 0 || e.slot > all.result[i - 1].slot));
});
