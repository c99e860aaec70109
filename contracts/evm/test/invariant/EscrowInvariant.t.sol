// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test, console} from "../base/Test.sol";
import {IntentEscrow} from "../../src/IntentEscrow.sol";
import {TestToken} from "../../src/test-tokens/TestToken.sol";
import {FeeOnTransferToken} from "../../src/test-tokens/FeeOnTransferToken.sol";
import {PoisonToken} from "../../src/test-tokens/PoisonToken.sol";
import {EscrowHandler} from "./EscrowHandler.sol";

/// Protocol v2 invariants under random users, relayers and an adversary (blocked accounts, a
/// poisoned token, payouts to the escrow itself, attempts at a second outcome).
contract EscrowInvariantTest is Test {
    IntentEscrow internal escrow;
    EscrowHandler internal handler;

    function setUp() public {
        vm.warp(1_767_225_600);
        uint256[] memory keys = new uint256[](3);
        address[] memory signerSet = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            keys[i] = 0x61 + i;
            signerSet[i] = vm.addr(keys[i]);
        }
        uint64[] memory dests = new uint64[](1);
        dests[0] = 900001;
        address[] memory tokens = new address[](3);
        tokens[0] = address(new TestToken("Blocklisting", "BLK", 18)); // this contract is its blocklister
        tokens[1] = address(new FeeOnTransferToken(100));
        tokens[2] = address(new PoisonToken());
        escrow = new IntentEscrow(address(this), 3600, 1 hours, signerSet, 2, dests, tokens);
        handler = new EscrowHandler(escrow, tokens, keys, address(this));
    }

    /// Only the handler is fuzzed (forge reads this like forge-std's StdInvariant).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Conservation: escrowed funds of Open intents + pool + open claims == the escrow's balance, per token.
    function invariant_BalanceEqualsOpenEscrowPlusPoolPlusClaims() public view {
        for (uint256 t = 0; t < handler.tokenCount(); ++t) {
            address tok = handler.tokens(t);
            uint256 escrowed;
            for (uint256 i = 0; i < handler.intentCount(); ++i) {
                (, address inputToken, uint256 amount,, uint8 status) = escrow.intentOf(handler.intentIds(i));
                if (status == 1 && inputToken == tok) escrowed += amount;
            }
            assertEq(
                escrowed + escrow.poolBalance(tok) + escrow.totalClaims(tok),
                TestToken(tok).balanceOf(address(escrow)),
                "accounting"
            );
        }
    }

    /// The claims total is exactly what the known owners can claim.
    function invariant_ClaimsTotalMatchesOwners() public view {
        for (uint256 t = 0; t < handler.tokenCount(); ++t) {
            address tok = handler.tokens(t);
            uint256 sum;
            for (uint256 a = 0; a < handler.accountCount(); ++a) {
                sum += escrow.claimable(tok, handler.accounts(a));
            }
            assertEq(sum, escrow.totalClaims(tok), "claims total");
        }
    }

    /// A Released intent's tokens are in the pool or paid out: pool == funded + released - paid out.
    function invariant_ReleasedTokensInPoolOrPaidOut() public view {
        for (uint256 t = 0; t < handler.tokenCount(); ++t) {
            address tok = handler.tokens(t);
            assertEq(
                escrow.poolBalance(tok) + handler.ghostDebited(tok), handler.ghostCredited(tok), "pool flow"
            );
        }
    }

    /// For every intent at most one of {Released, Refunded}, and status only moves forward.
    function invariant_AtMostOneOutcomePerIntent() public view {
        assertEq(handler.doubleOutcomes(), 0, "an intent got a second outcome");
        assertEq(handler.statusViolations(), 0, "status moved backwards or a chunk re-applied");
        for (uint256 i = 0; i < handler.intentCount(); ++i) {
            bytes32 id = handler.intentIds(i);
            assertEq(escrow.intentStatus(id), handler.lastStatus(id), "status changed outside the handler's view");
        }
    }

    /// Release and refundExpired windows are disjoint: no Release applies once an intent is refundable.
    function invariant_NoReleaseAfterTheRefundWindowOpened() public view {
        assertEq(handler.lateReleases(), 0, "a Release applied after fillDeadline + grace");
    }

    /// Valid chunks with undeliverable recipients never revert.
    function invariant_NoValidChunkReverts() public view {
        assertEq(handler.unexpectedReverts(), 0, "a valid chunk reverted");
    }

    function afterInvariant() public view {
        console.log("opens", handler.calls(EscrowHandler.open.selector));
        console.log("funds", handler.calls(EscrowHandler.fund.selector));
        console.log("settles", handler.calls(EscrowHandler.settle.selector));
        console.log("refundExpired", handler.calls(EscrowHandler.refundExpired.selector));
        console.log("claims", handler.calls(EscrowHandler.claim.selector));
        console.log("blocks toggled", handler.calls(EscrowHandler.toggleBlocked.selector));
        console.log("poison modes", handler.calls(EscrowHandler.poison.selector));
        console.log("double-outcome attempts", handler.calls(EscrowHandler.tryDoubleOutcome.selector));
        console.log("late-release attempts", handler.calls(EscrowHandler.tryLateRelease.selector));
        console.log("claims created, blocklisting token", handler.claimsCreated(handler.tokens(0)));
        console.log("claims created, poison token", handler.claimsCreated(handler.tokens(2)));
    }
}
