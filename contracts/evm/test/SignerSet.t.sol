// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

/// Protocol v2 rule 5: the signer set changes only by a threshold of the current set, after a delay.
contract SignerSetTest is EscrowFixture {
    function _next() internal pure returns (address[] memory s) {
        s = new address[](2);
        (s[0], s[1]) = (address(0xAA), address(0xBB));
    }

    function test_Propose_ThresholdOfCurrentSet_PendingThenActivates() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.SignerSetProposed(2, _next(), 1, at);
        escrow.proposeSignerSet(2, _next(), 1, at, _signerSetSigs(2, _next(), 1, at, 2));
        (uint64 v, address[] memory s, uint8 t, uint64 a) = escrow.pendingSignerSet();
        assertEq(v, 2, "pending version");
        assertEq(s.length, 2, "pending signers");
        assertEq(t, 1, "pending threshold");
        assertEq(a, at, "pending activatesAt");
        assertEq(escrow.signerSetVersion(), 1, "not yet current");

        vm.warp(at - 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.SignerSetNotActive.selector, at));
        escrow.activateSignerSet();
        vm.warp(at);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.SignerSetActivated(2, _next(), 1);
        escrow.activateSignerSet();
        assertEq(escrow.signerSetVersion(), 2, "current");
        assertTrue(escrow.isSigner(address(0xAA)), "new signer");
        assertFalse(escrow.isSigner(signerAddrs[0]), "old signer gone");
        (v,,,) = escrow.pendingSignerSet();
        assertEq(v, 0, "nothing pending");
        vm.expectRevert(IntentEscrow.NoPendingSignerSet.selector);
        escrow.activateSignerSet();
    }

    function test_Propose_BelowThreshold_Reverts() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        bytes[] memory sigs = _signerSetSigs(2, _next(), 1, at, 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InsufficientSignatures.selector, uint256(1), uint256(2)));
        escrow.proposeSignerSet(2, _next(), 1, at, sigs);
    }

    function test_Propose_OwnerKeyAlone_Reverts() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        bytes32 digest = escrow.signerSetDigest(2, _next(), 1, at);
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sign(0x0E1, digest);
        sigs[1] = _sign(signerKeys[0], digest);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, vm.addr(0x0E1)));
        vm.prank(owner);
        escrow.proposeSignerSet(2, _next(), 1, at, sigs);
    }

    function test_Propose_WrongVersion_Reverts() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        bytes[] memory sigs = _signerSetSigs(3, _next(), 1, at, 2);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidSignerSetVersion.selector, uint64(3), uint64(2)));
        escrow.proposeSignerSet(3, _next(), 1, at, sigs);
    }

    function test_Propose_ActivationSoonerThanDelay_Reverts() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY - 1);
        bytes[] memory sigs = _signerSetSigs(2, _next(), 1, at, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IntentEscrow.ActivationTooEarly.selector, at, block.timestamp + SIGNER_SET_DELAY)
        );
        escrow.proposeSignerSet(2, _next(), 1, at, sigs);
    }

    function test_Propose_NotAscendingOrZeroOrBadThreshold_Reverts() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        address[] memory s = new address[](2);
        (s[0], s[1]) = (address(0xBB), address(0xAA));
        bytes[] memory sigs = _signerSetSigs(2, s, 1, at, 2);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.SignersNotAscending.selector, uint256(1)));
        escrow.proposeSignerSet(2, s, 1, at, sigs);
        (s[0], s[1]) = (address(0), address(0xAA));
        sigs = _signerSetSigs(2, s, 1, at, 2);
        vm.expectRevert(IntentEscrow.ZeroSigner.selector);
        escrow.proposeSignerSet(2, s, 1, at, sigs);
        sigs = _signerSetSigs(2, _next(), 3, at, 2);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidThreshold.selector, uint8(3), uint256(2)));
        escrow.proposeSignerSet(2, _next(), 3, at, sigs);
    }

    /// A later proposal replaces the pending one (the set can correct itself); it takes the next version, so every
    /// proposal ever made has its own version.
    function test_Propose_Again_ReplacesPending() public {
        uint64 at = uint64(block.timestamp + SIGNER_SET_DELAY);
        escrow.proposeSignerSet(2, _next(), 1, at, _signerSetSigs(2, _next(), 1, at, 2));
        assertEq(escrow.nextSignerSetVersion(), 3, "the next proposal is version 3");
        escrow.proposeSignerSet(3, _next(), 2, at + 5, _signerSetSigs(3, _next(), 2, at + 5, 2));
        (, , uint8 t, uint64 a) = escrow.pendingSignerSet();
        assertEq(t, 2, "replaced threshold");
        assertEq(a, at + 5, "replaced activatesAt");
    }

    /// The owner has no entry point that changes signers: v1's setSigners is gone.
    function test_Owner_HasNoSignerEntryPoint() public {
        vm.prank(owner);
        (bool ok,) = address(escrow).call(abi.encodeWithSignature("setSigners(address[],uint8)", _next(), uint8(1)));
        assertFalse(ok, "setSigners does not exist");
        assertEq(escrow.signerSetVersion(), 1, "unchanged");
    }

    /// Found by the attacker's review of v2: a superseded proposal's signatures (public in its SignerSetProposed
    /// transaction) could be replayed by anyone to reinstate it over the one that replaced it, e.g. to bring back a
    /// signer the set had just dropped. Each proposal now takes a version above every earlier proposal.
    function test_Attack_SupersededProposalReplayed_Refused() public {
        uint64 atA = uint64(block.timestamp + SIGNER_SET_DELAY + 2 days);
        address[] memory setA = _next();
        bytes[] memory sigsA = _signerSetSigs(2, setA, 1, atA, 2);
        escrow.proposeSignerSet(2, setA, 1, atA, sigsA);

        vm.warp(block.timestamp + 1 hours);
        uint64 atB = uint64(block.timestamp + SIGNER_SET_DELAY);
        escrow.proposeSignerSet(3, setA, 2, atB, _signerSetSigs(3, setA, 2, atB, 2));

        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidSignerSetVersion.selector, uint64(2), uint64(4)));
        escrow.proposeSignerSet(2, setA, 1, atA, sigsA);

        (uint64 version,, uint8 thr, uint64 pendingAt) = escrow.pendingSignerSet();
        assertEq(version, 3, "B stays pending");
        assertEq(thr, 2, "with its threshold");
        vm.warp(atB);
        escrow.activateSignerSet();
        assertEq(escrow.signerSetVersion(), 3, "B is current");
        assertEq(escrow.threshold(), 2, "threshold 2");
        assertEq(pendingAt, atB, "B's activation time");
    }
}
