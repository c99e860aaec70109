// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {IntentEscrow} from "../../src/IntentEscrow.sol";
import {TestToken} from "../../src/test-tokens/TestToken.sol";
import {FeeOnTransferToken} from "../../src/test-tokens/FeeOnTransferToken.sol";

/// Drives the escrow with valid-looking random operations (and some invalid ones) and keeps
/// ghost state the invariants compare against.
contract EscrowHandler is Test {
    IntentEscrow public immutable escrow;
    address[] public tokens; // a plain token and a 1% fee-on-transfer token
    uint256[] internal signerKeys;

    bytes32[] public intentIds;
    mapping(bytes32 => uint8) public lastStatus;
    uint256 public statusViolations;
    uint64 internal nextEpoch = 1;
    uint256 internal nextSource;

    mapping(bytes4 => uint256) public calls; // successful calls per handler function

    constructor(IntentEscrow escrow_, address[] memory tokens_, uint256[] memory signerKeys_) {
        escrow = escrow_;
        tokens = tokens_;
        signerKeys = signerKeys_;
    }

    // ------------------------------------------------------------ actions

    function open(uint256 actorSeed, uint256 tokenSeed, uint256 amount, uint256 deadlineOffset) external {
        address actor = address(uint160(0x7000 + actorSeed % 5));
        address tok = tokens[tokenSeed % tokens.length];
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
        escrow.fund(tok, amount);
        _track();
        calls[this.fund.selector]++;
    }

    /// One chunk: up to 3 intents released or refunded, then up to 2 payouts and a withdraw,
    /// each sized from the pool as it will be when the action runs (sometimes overdrawn on purpose).
    function settle(uint256 seed) external {
        IntentEscrow.Action[] memory actions = _buildChunk(seed);
        uint64 epochId = nextEpoch++;
        bytes32 root = keccak256(abi.encode(epochId));
        escrow.settle(epochId, 0, root, actions, _signatures(epochId, root, actions, seed));
        _track();
        calls[this.settle.selector]++;
    }

    function _buildChunk(uint256 seed) internal returns (IntentEscrow.Action[] memory actions) {
        address tok = tokens[seed % tokens.length];
        actions = new IntentEscrow.Action[](6);
        uint256 n;
        uint256 pool = escrow.poolBalance(tok);
        for (uint256 k = 0; k < 3 && intentIds.length > 0; ++k) {
            bytes32 id = intentIds[uint256(keccak256(abi.encode(seed, k))) % intentIds.length];
            if (escrow.intentStatus(id) != 1 || _contains(actions, n, id)) continue;
            (, address inputToken, uint256 amount,,) = escrow.intentOf(id);
            bool release = uint256(keccak256(abi.encode(seed, "kind", k))) % 2 == 0;
            actions[n++] = IntentEscrow.Action(release ? 0 : 1, id, _b32(inputToken), bytes32(0), 0);
            if (release && inputToken == tok) pool += amount;
        }
        bool overdraw = seed % 11 == 0;
        for (uint256 k = 0; k < 2; ++k) {
            uint256 amount = overdraw ? pool + 1 : bound(uint256(keccak256(abi.encode(seed, "pay", k))), 0, pool);
            if (!overdraw) pool -= amount;
            actions[n++] = IntentEscrow.Action(
                2, keccak256(abi.encode("source", nextSource++)), _b32(tok), _b32(address(uint160(0x8000 + k))), amount
            );
        }
        uint256 out = overdraw ? 0 : bound(uint256(keccak256(abi.encode(seed, "out"))), 0, pool);
        actions[n++] = IntentEscrow.Action(3, bytes32(0), _b32(tok), _b32(address(0x8888)), out);
        assembly {
            mstore(actions, n)
        }
    }

    function _signatures(uint64 epochId, bytes32 root, IntentEscrow.Action[] memory actions, uint256 offset)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = escrow.legDigest(epochId, 0, root, actions);
        sigs = new bytes[](2);
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[(offset + i) % signerKeys.length], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    function refundExpired(uint256 indexSeed, uint256 elapsed) external {
        if (intentIds.length == 0) return;
        vm.warp(block.timestamp + bound(elapsed, 0, 4 days));
        escrow.refundExpired(intentIds[indexSeed % intentIds.length]);
        _track();
        calls[this.refundExpired.selector]++;
    }

    function replayLastChunk() external {
        if (nextEpoch == 1) return;
        // An applied (epoch, chunk) must never apply again, whatever is signed.
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](1);
        actions[0] = IntentEscrow.Action(3, bytes32(0), _b32(tokens[0]), _b32(address(0x8888)), 0);
        uint64 epochId = nextEpoch - 1;
        bytes[] memory sigs = _signatures(epochId, bytes32(0), actions, 0);
        try escrow.settle(epochId, 0, bytes32(0), actions, sigs) {
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

    /// Status may only move None -> Open -> Released | Refunded.
    function _track() internal {
        for (uint256 i = 0; i < intentIds.length; ++i) {
            bytes32 id = intentIds[i];
            uint8 prev = lastStatus[id];
            uint8 cur = escrow.intentStatus(id);
            bool ok = prev == cur || (prev == 0 && cur == 1) || (prev == 1 && (cur == 2 || cur == 3));
            if (!ok) statusViolations++;
            lastStatus[id] = cur;
        }
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
