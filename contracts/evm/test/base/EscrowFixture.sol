// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "./Test.sol";
import {IntentEscrow} from "../../src/IntentEscrow.sol";
import {TestToken} from "../../src/test-tokens/TestToken.sol";

/// Shared deployment and helpers: a 2-of-3 escrow, one 6-decimal token, funded users.
abstract contract EscrowFixture is Test {
    uint64 internal constant DEST = 900001;
    uint64 internal constant GRACE = 3600;
    uint64 internal constant SIGNER_SET_DELAY = 1 days;
    uint256 internal constant T0 = 1_767_225_600;
    uint8 internal constant THRESHOLD = 2;

    IntentEscrow internal escrow;
    TestToken internal token;

    address internal owner = address(0x0123);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal lp = address(0x1111);

    uint256[] internal signerKeys;
    address[] internal signerAddrs;

    function setUp() public virtual {
        vm.warp(T0);
        signerKeys.push(0x51);
        signerKeys.push(0x52);
        signerKeys.push(0x53);
        for (uint256 i = 0; i < signerKeys.length; ++i) {
            signerAddrs.push(vm.addr(signerKeys[i]));
        }
        escrow = _deployEscrow(GRACE);
        token = new TestToken("USD Coin", "USDC", 6);
        _registerToken(address(token));
        vm.label(address(escrow), "escrow");
        vm.label(address(token), "USDC");
    }

    // ------------------------------------------------------------ deployment and governance

    function _deployEscrow(uint64 grace) internal returns (IntentEscrow) {
        uint64[] memory dests = new uint64[](1);
        dests[0] = DEST;
        return new IntentEscrow(owner, grace, SIGNER_SET_DELAY, signerAddrs, THRESHOLD, dests, new address[](0));
    }

    function _registerToken(address t) internal {
        vm.prank(owner);
        escrow.setToken(t, true);
    }

    /// Replaces the signer set the way v2 allows: a threshold of the current set signs the
    /// proposal, the delay passes, anyone activates. `newSigners` must be ascending.
    function _rotate(address[] memory newSigners, uint8 newThreshold) internal {
        uint64 version = escrow.signerSetVersion() + 1;
        uint64 activatesAt = uint64(block.timestamp + SIGNER_SET_DELAY);
        bytes[] memory sigs = _signerSetSigs(version, newSigners, newThreshold, activatesAt, escrow.threshold());
        escrow.proposeSignerSet(version, newSigners, newThreshold, activatesAt, sigs);
        vm.warp(activatesAt);
        escrow.activateSignerSet();
    }

    /// SignerSet signatures of the first `count` fixture signers.
    function _signerSetSigs(uint64 version, address[] memory set, uint8 thr, uint64 at, uint256 count)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = escrow.signerSetDigest(version, set, thr, at);
        sigs = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) {
            sigs[i] = _sign(signerKeys[i], digest);
        }
    }

    /// The fixture's signer addresses in ascending order (what `proposeSignerSet` requires).
    function _ascending(address[] memory list) internal pure returns (address[] memory sorted) {
        sorted = new address[](list.length);
        for (uint256 i = 0; i < list.length; ++i) {
            sorted[i] = list[i];
        }
        for (uint256 i = 1; i < sorted.length; ++i) {
            for (uint256 j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
            }
        }
    }

    // ------------------------------------------------------------ intents and pool

    function _params(address inputToken, uint256 amount) internal view returns (IntentEscrow.IntentParams memory) {
        return IntentEscrow.IntentParams({
            inputToken: inputToken,
            inputAmount: amount,
            destinationChainId: DEST,
            outputToken: bytes32(uint256(0xdead)),
            minOutputAmount: amount - amount / 100,
            recipient: bytes32(uint256(0xbeef)),
            fillDeadline: uint64(block.timestamp + 1 days)
        });
    }

    function _open(address user, uint256 amount) internal returns (bytes32) {
        return _openWith(user, _params(address(token), amount));
    }

    function _openWith(address user, IntentEscrow.IntentParams memory p) internal returns (bytes32 id) {
        TestToken(p.inputToken).mint(user, p.inputAmount);
        vm.startPrank(user);
        TestToken(p.inputToken).approve(address(escrow), p.inputAmount);
        id = escrow.open(p);
        vm.stopPrank();
    }

    function _fund(uint256 amount) internal {
        token.mint(lp, amount);
        vm.startPrank(lp);
        token.approve(address(escrow), amount);
        escrow.fund(address(token), amount);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ actions

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function _release(bytes32 id) internal view returns (IntentEscrow.Action memory) {
        return IntentEscrow.Action(0, id, _b32(address(token)), bytes32(0), 0);
    }

    function _refund(bytes32 id) internal view returns (IntentEscrow.Action memory) {
        return IntentEscrow.Action(1, id, _b32(address(token)), bytes32(0), 0);
    }

    function _payout(bytes32 sourceId, address to, uint256 amount) internal view returns (IntentEscrow.Action memory) {
        return IntentEscrow.Action(2, sourceId, _b32(address(token)), _b32(to), amount);
    }

    function _withdraw(address to, uint256 amount) internal view returns (IntentEscrow.Action memory) {
        return IntentEscrow.Action(3, bytes32(0), _b32(address(token)), _b32(to), amount);
    }

    function _one(IntentEscrow.Action memory a) internal pure returns (IntentEscrow.Action[] memory list) {
        list = new IntentEscrow.Action[](1);
        list[0] = a;
    }

    function _two(IntentEscrow.Action memory a, IntentEscrow.Action memory b)
        internal
        pure
        returns (IntentEscrow.Action[] memory list)
    {
        list = new IntentEscrow.Action[](2);
        list[0] = a;
        list[1] = b;
    }

    // ------------------------------------------------------------ signing and settling

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signAll(bytes32 digest, uint256[] memory keys) internal pure returns (bytes[] memory sigs) {
        sigs = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) {
            sigs[i] = _sign(keys[i], digest);
        }
    }

    /// Signatures of the first `count` registered signers.
    function _sigs(uint64 epochId, uint32 chunk, bytes32 root, IntentEscrow.Action[] memory actions, uint256 count)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = escrow.legDigest(epochId, chunk, root, actions);
        sigs = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) {
            sigs[i] = _sign(signerKeys[i], digest);
        }
    }

    function _settle(uint64 epochId, uint32 chunk, IntentEscrow.Action[] memory actions) internal {
        bytes32 root = keccak256(abi.encode("root", epochId));
        escrow.settle(epochId, chunk, root, actions, _sigs(epochId, chunk, root, actions, THRESHOLD));
    }

    function _settle(uint64 epochId, IntentEscrow.Action[] memory actions) internal {
        _settle(epochId, 0, actions);
    }
}
