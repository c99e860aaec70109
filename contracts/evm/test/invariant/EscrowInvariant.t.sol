// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test, console} from "../base/Test.sol";
import {IntentEscrow} from "../../src/IntentEscrow.sol";
import {TestToken} from "../../src/test-tokens/TestToken.sol";
import {FeeOnTransferToken} from "../../src/test-tokens/FeeOnTransferToken.sol";
import {EscrowHandler} from "./EscrowHandler.sol";

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
        escrow = new IntentEscrow(address(this), 3600, signerSet, 2, dests);
        address[] memory tokens = new address[](2);
        tokens[0] = address(new TestToken("Plain", "PLN", 18));
        tokens[1] = address(new FeeOnTransferToken(100));
        handler = new EscrowHandler(escrow, tokens, keys);
    }

    /// Only the handler is fuzzed (forge reads this like forge-std's StdInvariant).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Escrowed funds of Open intents + pool == the escrow's token balance, per token.
    function invariant_BalanceEqualsOpenEscrowPlusPool() public view {
        for (uint256 t = 0; t < handler.tokenCount(); ++t) {
            address tok = handler.tokens(t);
            uint256 escrowed;
            for (uint256 i = 0; i < handler.intentCount(); ++i) {
                (, address inputToken, uint256 amount,, uint8 status) = escrow.intentOf(handler.intentIds(i));
                if (status == 1 && inputToken == tok) escrowed += amount;
            }
            assertEq(escrowed + escrow.poolBalance(tok), TestToken(tok).balanceOf(address(escrow)), "accounting");
        }
    }

    /// The pool is a uint and can never be negative; it is also always backed by real tokens.
    function invariant_PoolNeverExceedsBalance() public view {
        for (uint256 t = 0; t < handler.tokenCount(); ++t) {
            address tok = handler.tokens(t);
            assertLe(escrow.poolBalance(tok), TestToken(tok).balanceOf(address(escrow)), "pool backed");
        }
    }

    /// Status only moves Open -> Released or Open -> Refunded; applied chunks never re-apply.
    function invariant_StatusOnlyMovesForward() public view {
        assertEq(handler.statusViolations(), 0, "status moved backwards or a chunk re-applied");
        for (uint256 i = 0; i < handler.intentCount(); ++i) {
            bytes32 id = handler.intentIds(i);
            assertEq(escrow.intentStatus(id), handler.lastStatus(id), "status changed outside the handler's view");
        }
    }

    function afterInvariant() public view {
        console.log("opens", handler.calls(EscrowHandler.open.selector));
        console.log("funds", handler.calls(EscrowHandler.fund.selector));
        console.log("settles", handler.calls(EscrowHandler.settle.selector));
        console.log("refundExpired", handler.calls(EscrowHandler.refundExpired.selector));
    }
}
