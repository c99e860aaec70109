// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {IntentEscrow} from "../../src/IntentEscrow.sol";
import {TestToken} from "../../src/test-tokens/TestToken.sol";
import {PoisonToken} from "../../src/test-tokens/PoisonToken.sol";

/// Drives the escrow as relayers and users would under protocol v2 (a Release chunk, then a
/// transfer chunk, per epoch), while an adversary blocks accounts, poisons a token and points
/// payouts at the escrow itself. Keeps ghost state the invariants compare against.
contract EscrowHandler is Test {
    IntentEscrow public immutable escrow;
    address[] public tokens; // [0] blocklisting TestToken, [1] 1% fee-on-transfer, [2] PoisonToken
    uint256[] internal signerKeys;
    address internal immutable blocklister;

    bytes32[] public intentIds;
    mapping(bytes32 => uint8) public lastStatus;
    mapping(bytes32 => uint256) public outcomes; // Release or Refund applications seen per intent
    uint256 public statusViolations;
    uint256 public doubleOutcomes;
    uint256 public unexpectedReverts; // valid chunks that reverted
    uint256 public lateReleases; // Releases applied once the intent was refundable
    mapping(address => uint256) public ghostCredited; // funded + released
    mapping(address => uint256) public ghostDebited; // payouts + withdraws that left the pool
    address[] public accounts; // depositors and recipients, some blocked at times
    uint64 internal nextEpoch = 1;
    uint64 internal lastAppliedEpoch; // epoch of the last applied transfer chunk (chunk 1); 0: none
    uint256 internal nextSource;

    mapping(bytes4 => uint256) public calls; // successful calls per handler function
    mapping(address => uint256) public claimsCreated; // ClaimCreated amounts seen per token (coverage)

    constructor(IntentEscrow escrow_, address[] memory tokens_, uint256[] memory signerKeys_, address blocklister_) {
        escrow = escrow_;
        tokens = tokens_;
        signerKeys = signerKeys_;
        blocklister = blocklister_;
        for (uint256 i = 0; i < 6; ++i) {
            accounts.push(address(uint160(0x7000 + i)));
        }
    }

    // ------------------------------------------------------------ users

    function open(uint256 actorSeed, uint256 tokenSeed, uint256 amount, uint256 deadlineOffset) external {
        address actor = accounts[actorSeed % accounts.length];
        address tok = tokens[tokenSeed % tokens.length];
        if (_blocked(tok, actor)) return;
        amount = bound(amount, 1, 1e30);
        IntentEscrow.IntentParams memory p = IntentEscrow.IntentParams({
            inputToken: tok,
            inputAmount: amount,
            destinationChainId: 900001,
            outputToken: bytes32(uint256(1)),
            minOutputAmount: 0,
            recipient: bytes32(uint256(2)),
            fillDeadline: uint64(block.timestamp + bound(deadlineOffset, 1, 3 days))
        });
        TestToken(tok).mint(actor, amount);
        vm.startPrank(actor);
        TestToken(tok).approve(address(escrow), amount);
        bytes32 id = escrow.open(p);
        vm.stopPrank();
        intentIds.push(id);
        _track();
        calls[this.open.selector]++;
    }

    function fund(uint256 tokenSeed, uint256 amount) external {
        address tok = tokens[tokenSeed % tokens.length];
        amount = bound(amount, 1, 1e30);
        TestToken(tok).mint(address(this), amount);
        TestToken(tok).approve(address(escrow), amount);
        uint256 before = escrow.poolBalance(tok);
        escrow.fund(tok, amount);
        ghostCredited[tok] += escrow.poolBalance(tok) - before;
        _track();
        calls[this.fund.selector]++;
    }

    function refundExpired(uint256 indexSeed, uint256 elapsed) external {
        if (intentIds.length == 0) return;
        vm.warp(block.timestamp + bound(elapsed, 0, 4 days));
        bytes32 id = intentIds[indexSeed % intentIds.length];
        (,,, uint64 deadline, uint8 status) = escrow.intentOf(id);
        if (status != 1 || block.timestamp <= uint256(deadline) + escrow.refundGraceSeconds()) return;
        escrow.refundExpired(id); // must never revert, whoever the depositor is
        outcomes[id]++;
        _track();
        calls[this.refundExpired.selector]++;
    }

    function claim(uint256 ownerSeed, uint256 tokenSeed, uint256 toSeed) external {
        address owner_ = accounts[ownerSeed % accounts.length];
        address tok = tokens[tokenSeed % tokens.length];
        if (escrow.claimable(tok, owner_) == 0) return;
        address to = address(uint160(0x9000 + toSeed % 4)); // an account of the owner's choice
        vm.prank(owner_);
        try escrow.claim(tok, to) {
            calls[this.claim.selector]++;
        } catch {} // a poisoned token may still refuse; the claim then stays
        _track();
    }

    // ------------------------------------------------------------ adversary

    function toggleBlocked(uint256 accountSeed) external {
        address account = accounts[accountSeed % accounts.length];
        _setBlocked(account, !TestToken(tokens[0]).isBlocked(account));
        calls[this.toggleBlocked.selector]++;
    }

    function _setBlocked(address account, bool blocked) internal {
        vm.prank(blocklister);
        TestToken(tokens[0]).setBlocked(account, blocked);
    }

    function poison(uint256 modeSeed) external {
        PoisonToken(tokens[2]).setMode(PoisonToken.Mode(modeSeed % 3));
        calls[this.poison.selector]++;
    }

    /// The adversary tries to give a closed intent a second outcome: refundExpired or a signed
    /// Refund of a Released intent, a signed Release of a Refunded one. None may apply.
    function tryDoubleOutcome(uint256 seed) external {
        if (intentIds.length == 0) return;
        bytes32 id = intentIds[seed % intentIds.length];
        (, address tok,,, uint8 status) = escrow.intentOf(id);
        if (status < 2) return;
        // A Refund of an already Refunded intent is a documented no-op; anything else is a second outcome.
        if (_secondOutcomeApplied(id, tok, status, seed) && status == 2) doubleOutcomes++;
        try escrow.refundExpired(id) {
            doubleOutcomes++;
        } catch {}
        _track();
        calls[this.tryDoubleOutcome.selector]++;
    }

    /// Relayers (or a stolen threshold) try to release an Open intent whose refund window is open:
    /// its depositor may already be taking it back, so it must never apply.
    function tryLateRelease(uint256 seed, uint256 elapsed) external {
        if (intentIds.length == 0) return;
        vm.warp(block.timestamp + bound(elapsed, 0, 4 days));
        bytes32 id = intentIds[seed % intentIds.length];
        (, address tok,, uint64 deadline, uint8 status) = escrow.intentOf(id);
        if (status != 1 || block.timestamp <= uint256(deadline) + escrow.refundGraceSeconds()) return;
        uint64 epochId = nextEpoch++;
        IntentEscrow.Action[] memory one = new IntentEscrow.Action[](1);
        one[0] = IntentEscrow.Action(0, id, _b32(tok), bytes32(0), 0);
        bytes32 root = keccak256(abi.encode(epochId));
        bytes[] memory sigs = _signatures(epochId, 0, root, one, seed);
        try escrow.settle(epochId, 0, root, one, sigs) {
            lateReleases++;
        } catch {}
        _track();
        calls[this.tryLateRelease.selector]++;
    }

    /// Released: a signed Refund; Refunded: a signed Release (counted by the caller when it applied).
    function _secondOutcomeApplied(bytes32 id, address tok, uint8 status, uint256 seed) internal returns (bool) {
        uint64 epochId = nextEpoch++;
        IntentEscrow.Action[] memory one = new IntentEscrow.Action[](1);
        one[0] = IntentEscrow.Action(status == 2 ? 1 : 0, id, _b32(tok), bytes32(0), 0);
        bytes32 root = keccak256(abi.encode(epochId));
        bytes[] memory sigs = _signatures(epochId, 0, root, one, seed);
        try escrow.settle(epochId, 0, root, one, sigs) {
            if (status == 3) doubleOutcomes++; // a Release of a Refunded intent applied
            return true;
        } catch {
            return false;
        }
    }

    // ------------------------------------------------------------ relayers

    /// One epoch: a Release chunk of up to 3 intents still in their window, then a transfer chunk
    /// of up to 2 Refunds, 3 Payouts and a Withdraw, each within the pool as it will be, to
    /// recipients that may be blocked, poisoned or the escrow itself. Neither chunk may revert.
    function settle(uint256 seed) external {
        uint64 epochId = nextEpoch++;
        if (seed % 3 == 0) _setBlocked(accounts[(seed / 3) % accounts.length], true); // the adversary strikes mid-epoch
        _applyReleaseChunk(epochId, seed);
        _applyTransferChunk(epochId, seed);
        _track();
        calls[this.settle.selector]++;
    }

    function _applyReleaseChunk(uint64 epochId, uint256 seed) internal {
        (IntentEscrow.Action[] memory releases, uint256 r) = _releaseChunk(seed);
        if (r == 0) return;
        bytes32 root = keccak256(abi.encode(epochId));
        bytes[] memory sigs = _signatures(epochId, 0, root, releases, seed);
        try escrow.settle(epochId, 0, root, releases, sigs) {
            for (uint256 i = 0; i < releases.length; ++i) {
                (, address tok, uint256 amount,,) = escrow.intentOf(releases[i].intentId);
                ghostCredited[tok] += amount;
                outcomes[releases[i].intentId]++;
            }
        } catch {
            unexpectedReverts++;
        }
    }

    function _applyTransferChunk(uint64 epochId, uint256 seed) internal {
        (IntentEscrow.Action[] memory transfers, uint256[] memory debits) = _transferChunk(seed);
        bytes32 root = keccak256(abi.encode(epochId));
        address tok = tokens[seed % tokens.length];
        bytes[] memory sigs = _signatures(epochId, 1, root, transfers, seed);
        uint256 claimsBefore = escrow.totalClaims(tok);
        try escrow.settle(epochId, 1, root, transfers, sigs) {
            lastAppliedEpoch = epochId;
            claimsCreated[tok] += escrow.totalClaims(tok) - claimsBefore;
            for (uint256 i = 0; i < transfers.length; ++i) {
                if (transfers[i].kind == 1) outcomes[transfers[i].intentId]++;
                ghostDebited[tok] += debits[i];
            }
        } catch {
            unexpectedReverts++;
        }
    }

    function _releaseChunk(uint256 seed) internal view returns (IntentEscrow.Action[] memory actions, uint256 n) {
        actions = new IntentEscrow.Action[](3);
        for (uint256 k = 0; k < 3 && intentIds.length > 0; ++k) {
            bytes32 id = intentIds[uint256(keccak256(abi.encode(seed, k))) % intentIds.length];
            (, address tok,, uint64 deadline, uint8 status) = escrow.intentOf(id);
            if (status != 1 || _contains(actions, n, id)) continue;
            if (block.timestamp > uint256(deadline) + escrow.refundGraceSeconds()) continue;
            actions[n++] = IntentEscrow.Action(0, id, _b32(tok), bytes32(0), 0);
        }
        assembly {
            mstore(actions, n)
        }
    }

    function _transferChunk(uint256 seed)
        internal
        returns (IntentEscrow.Action[] memory actions, uint256[] memory debits)
    {
        address tok = tokens[seed % tokens.length];
        actions = new IntentEscrow.Action[](6);
        debits = new uint256[](6);
        uint256 n;
        uint256 pool = escrow.poolBalance(tok);
        for (uint256 k = 0; k < 2 && intentIds.length > 0; ++k) {
            bytes32 id = intentIds[uint256(keccak256(abi.encode(seed, "refund", k))) % intentIds.length];
            (, address inputToken,,, uint8 status) = escrow.intentOf(id);
            if (status != 1 || _contains(actions, n, id)) continue;
            actions[n++] = IntentEscrow.Action(1, id, _b32(inputToken), bytes32(0), 0);
        }
        for (uint256 k = 0; k < 3; ++k) {
            uint256 amount = bound(uint256(keccak256(abi.encode(seed, "pay", k))), 0, pool);
            address to = _recipient(uint256(keccak256(abi.encode(seed, "to", k))));
            if (to != address(escrow)) {
                pool -= amount;
                debits[n] = amount;
            }
            actions[n++] =
                IntentEscrow.Action(2, keccak256(abi.encode("source", nextSource++)), _b32(tok), _b32(to), amount);
        }
        uint256 out = bound(uint256(keccak256(abi.encode(seed, "out"))), 0, pool);
        address w = _recipient(uint256(keccak256(abi.encode(seed, "w"))));
        if (w != address(escrow)) debits[n] = out;
        actions[n++] = IntentEscrow.Action(3, bytes32(0), _b32(tok), _b32(w), out);
        assembly {
            mstore(actions, n)
            mstore(debits, n)
        }
    }

    /// Depositor-like accounts (possibly blocked) or, one time in eight, the escrow itself.
    function _recipient(uint256 seed) internal view returns (address) {
        if (seed % 8 == 0) return address(escrow);
        return accounts[seed % accounts.length];
    }

    function _signatures(uint64 epochId, uint32 chunk, bytes32 root, IntentEscrow.Action[] memory actions, uint256 offset)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = escrow.legDigest(epochId, chunk, root, actions);
        sigs = new bytes[](2);
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[(offset + i) % signerKeys.length], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    function replayLastChunk() external {
        if (lastAppliedEpoch == 0) return;
        // An applied (epoch, chunk) must never apply again, whatever is signed.
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](1);
        actions[0] = IntentEscrow.Action(3, bytes32(0), _b32(tokens[0]), _b32(address(0x8888)), 0);
        uint64 epochId = lastAppliedEpoch;
        bytes[] memory sigs = _signatures(epochId, 1, bytes32(0), actions, 0);
        try escrow.settle(epochId, 1, bytes32(0), actions, sigs) {
            statusViolations++; // a replay went through
        } catch {}
    }

    // ------------------------------------------------------------ ghost state

    function intentCount() external view returns (uint256) {
        return intentIds.length;
    }

    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    /// Status may only move None -> Open -> Released | Refunded; an intent gets one outcome at most.
    function _track() internal {
        for (uint256 i = 0; i < intentIds.length; ++i) {
            bytes32 id = intentIds[i];
            uint8 prev = lastStatus[id];
            uint8 cur = escrow.intentStatus(id);
            bool ok = prev == cur || (prev == 0 && cur == 1) || (prev == 1 && (cur == 2 || cur == 3));
            if (!ok) statusViolations++;
            if (outcomes[id] > 1) doubleOutcomes++;
            lastStatus[id] = cur;
        }
    }

    function _blocked(address tok, address account) internal view returns (bool) {
        return tok == tokens[0] && TestToken(tok).isBlocked(account);
    }

    function _contains(IntentEscrow.Action[] memory actions, uint256 n, bytes32 id) internal pure returns (bool) {
        for (uint256 i = 0; i < n; ++i) {
            if (actions[i].intentId == id) return true;
        }
        return false;
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
