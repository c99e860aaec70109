// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC-20 for tests and local chains: anyone can mint; its deployer can block accounts the
/// way USDC's blacklist does (a transfer from or to a blocked account reverts), so that a devnet can
/// stage a blocked depositor or recipient. Never deploy to a real network.
contract TestToken is ERC20 {
    uint8 private immutable _decimals;
    address public immutable blocklister;
    mapping(address account => bool) public isBlocked;

    event BlockedSet(address indexed account, bool blocked);

    error AccountBlocked(address account);
    error NotBlocklister(address caller);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
        blocklister = msg.sender;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account` (deployer only), like USDC's blacklist.
    function setBlocked(address account, bool blocked) external {
        if (msg.sender != blocklister) revert NotBlocklister(msg.sender);
        isBlocked[account] = blocked;
        emit BlockedSet(account, blocked);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (isBlocked[from]) revert AccountBlocked(from);
        if (isBlocked[to]) revert AccountBlocked(to);
        super._update(from, to, value);
    }
}
