// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

/// Security-review pins: the applied-chunk bitmap at its boundaries, and the zero-amount Payout
/// the Solana escrow must treat the same way (docs/ARCHITECTURE.md, "Escrow protocol, version 2").
contract ReviewTest is EscrowFixture {
    bytes32 internal constant SOURCE = keccak256("review-source");

    /// Applying one (epoch, chunk) marks exactly that pair, also where word/bit arithmetic wraps:
    /// epoch 0, 255/256, 2^64-1 and chunks 0, 1, 255, 256, 2^32-1.
    function test_AppliedBitmap_BoundaryPairsAreIndependent() public {
        _fund(1_000);
        uint64[6] memory epochs = [uint64(0), 1, 255, 256, type(uint64).max - 1, type(uint64).max];
        uint32[5] memory chunks = [uint32(0), 1, 255, 256, type(uint32).max];
        for (uint256 i = 0; i < epochs.length; ++i) {
            for (uint256 j = 0; j < chunks.length; ++j) {
                uint64 e = epochs[i];
                uint32 c = chunks[j];
                assertFalse(escrow.isApplied(e, c), "not applied before");
                _settle(e, c, _one(_withdraw(_to(j), 1)));
                assertTrue(escrow.isApplied(e, c), "applied after");
                // every other pair of the grid applied so far or not yet is unaffected
                for (uint256 k = 0; k < epochs.length; ++k) {
                    for (uint256 l = 0; l < chunks.length; ++l) {
                        bool done = k < i || (k == i && l <= j);
                        assertEq(escrow.isApplied(epochs[k], chunks[l]), done, "only applied pairs are marked");
                    }
                }
                IntentEscrow.Action[] memory again = _one(_withdraw(_to(j), 2));
                bytes32 root = keccak256(abi.encode("root", e));
                bytes[] memory sigs = _sigs(e, c, root, again, THRESHOLD);
                vm.expectRevert(abi.encodeWithSelector(IntentEscrow.ChunkAlreadyApplied.selector, e, c));
                escrow.settle(e, c, root, again, sigs);
            }
        }
        for (uint256 j = 0; j < chunks.length; ++j) {
            assertEq(token.balanceOf(_to(j)), epochs.length, "each pair paid once");
        }
    }

    /// One recipient per chunk index: a Withdraw leaf differs between chunks (v2 marks each leaf once).
    function _to(uint256 j) internal pure returns (address) {
        return address(uint160(0x5000 + j));
    }

    /// A zero-amount Payout (clearing fills a minOutputAmount = 0 intent whose payout rounds to 0)
    /// applies and marks the source intent paid; the Solana escrow does the same.
    function test_Settle_ZeroAmountPayout_AppliesAndMarksPaid() public {
        _fund(10);
        _settle(3, _one(_payout(SOURCE, bob, 0)));
        assertTrue(escrow.isPaid(SOURCE), "paid marker");
        assertEq(token.balanceOf(bob), 0, "nothing paid");
        assertEq(escrow.poolBalance(address(token)), 10, "pool unchanged");
        IntentEscrow.Action[] memory again = _one(_payout(SOURCE, bob, 0));
        bytes32 root = keccak256(abi.encode("root", uint64(4)));
        bytes[] memory sigs = _sigs(4, 0, root, again, THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.AlreadyPaid.selector, SOURCE));
        escrow.settle(4, 0, root, again, sigs);
    }
}
