// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {PoisonToken} from "../src/test-tokens/PoisonToken.sol";

/// Protocol v2 rule 3: an undeliverable Payout, Refund or Withdraw becomes a claim of its rightful
/// owner, collected later to an account of the owner's choice.
contract ClaimsTest is EscrowFixture {
    bytes32 internal constant SOURCE = keccak256("source");
    address internal carol = address(0xCA401);

    function test_Payout_BlockedRecipient_BecomesClaim_CollectedElsewhere() public {
        _fund(5_000);
        token.setBlocked(bob, true);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.ClaimCreated(address(token), bob, 1_200, 2, SOURCE);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.PayoutMade(SOURCE, _b32(bob), address(token), 1_200, 9);
        _settle(9, _one(_payout(SOURCE, bob, 1_200)));
        assertTrue(escrow.isPaid(SOURCE), "counts as paid");
        assertEq(escrow.claimable(address(token), bob), 1_200, "bob's claim");
        assertEq(escrow.totalClaims(address(token)), 1_200, "claims total");
        assertEq(escrow.poolBalance(address(token)), 3_800, "debited from the pool");

        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.Claimed(address(token), bob, carol, 1_200);
        vm.prank(bob);
        assertEq(escrow.claim(address(token), carol), 1_200, "claimed amount");
        assertEq(token.balanceOf(carol), 1_200, "collected to an account of bob's choice");
        assertEq(escrow.claimable(address(token), bob), 0, "claim spent");
        assertEq(escrow.totalClaims(address(token)), 0, "claims total");
    }

    function test_Refund_FalseReturningToken_BecomesDepositorClaim() public {
        PoisonToken poison = new PoisonToken();
        _registerToken(address(poison));
        bytes32 id = _openWith(alice, _params(address(poison), 700));
        poison.setMode(PoisonToken.Mode.ReturnFalse);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.ClaimCreated(address(poison), alice, 700, 1, id);
        _settle(4, _one(IntentEscrow.Action(1, id, _b32(address(poison)), bytes32(0), 0)));
        assertEq(escrow.intentStatus(id), 3, "Refunded");
        assertEq(escrow.claimable(address(poison), alice), 700, "alice's claim");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("SafeERC20FailedOperation(address)", address(poison)));
        escrow.claim(address(poison), alice);
        assertEq(escrow.claimable(address(poison), alice), 700, "a failed claim keeps the claim");
        poison.setMode(PoisonToken.Mode.Normal);
        vm.prank(alice);
        escrow.claim(address(poison), alice);
        assertEq(poison.balanceOf(alice), 700, "collected once the token delivers");
    }

    function test_Withdraw_BlockedAccount_BecomesClaimKeyedByLeaf() public {
        _fund(5_000);
        token.setBlocked(lp, true);
        IntentEscrow.Action memory w = _withdraw(lp, 2_000);
        bytes32 leaf = escrow.leafHash(4, w);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.ClaimCreated(address(token), lp, 2_000, 3, leaf);
        _settle(4, _one(w));
        assertTrue(escrow.isWithdrawn(leaf), "withdraw marker");
        assertEq(escrow.claimable(address(token), lp), 2_000, "lp's claim");
    }

    function test_RefundExpired_BlockedDepositor_BecomesClaim() public {
        bytes32 id = _open(alice, 900);
        token.setBlocked(alice, true);
        vm.warp(block.timestamp + 1 days + GRACE + 1);
        escrow.refundExpired(id);
        assertEq(escrow.intentStatus(id), 3, "Refunded");
        assertEq(escrow.claimable(address(token), alice), 900, "claim instead of a stuck refund");
        vm.prank(alice);
        escrow.claim(address(token), carol);
        assertEq(token.balanceOf(carol), 900, "collected elsewhere");
    }

    function test_Claim_NothingOrBadDestination_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.NothingToClaim.selector, address(token), bob));
        vm.prank(bob);
        escrow.claim(address(token), bob);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidClaimDestination.selector, address(escrow)));
        escrow.claim(address(token), address(escrow));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidClaimDestination.selector, address(0)));
        escrow.claim(address(token), address(0));
    }

    function test_Claim_WhilePaused_Works() public {
        _fund(5_000);
        token.setBlocked(bob, true);
        _settle(9, _one(_payout(SOURCE, bob, 100)));
        vm.prank(owner);
        escrow.pause();
        vm.prank(bob);
        escrow.claim(address(token), carol);
        assertEq(token.balanceOf(carol), 100, "claimed while paused");
    }

    /// A Refund action for an intent its depositor already took back with refundExpired is skipped,
    /// so it cannot block the rest of its chunk.
    function test_Refund_AlreadyRefundedByRefundExpired_SkippedNotBlocking() public {
        bytes32 id = _open(alice, 900);
        _fund(5_000);
        vm.warp(block.timestamp + 1 days + GRACE + 1);
        escrow.refundExpired(id);
        _settle(5, _two(_refund(id), _payout(SOURCE, bob, 100)));
        assertEq(token.balanceOf(alice), 900, "refunded once");
        assertEq(token.balanceOf(bob), 100, "the rest of the chunk applied");
    }

    function test_Refund_OfReleasedIntent_RevertsChunk() public {
        bytes32 id = _open(alice, 900);
        _settle(5, 0, _one(_release(id)));
        IntentEscrow.Action[] memory actions = _one(_refund(id));
        bytes32 root = keccak256(abi.encode("root", uint64(6)));
        bytes[] memory sigs = _sigs(6, 0, root, actions, THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(2)));
        escrow.settle(6, 0, root, actions, sigs);
    }

    function test_Settle_TransferChunkWithRelease_RevertsMixed() public {
        bytes32 id = _open(alice, 900);
        _fund(5_000);
        IntentEscrow.Action[] memory actions = _two(_payout(SOURCE, bob, 100), _release(id));
        bytes32 root = keccak256(abi.encode("root", uint64(6)));
        bytes[] memory sigs = _sigs(6, 0, root, actions, THRESHOLD);
        vm.expectRevert(IntentEscrow.MixedChunk.selector);
        escrow.settle(6, 0, root, actions, sigs);
    }
}
