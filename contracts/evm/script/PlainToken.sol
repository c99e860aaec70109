// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// Plain OpenZeppelin ERC-20 for the gas scenarios: the dev TestToken's blocklist costs the token
/// two extra storage reads per transfer, which must not be counted as the escrow's cost.
contract PlainToken is ERC20 {
    constructor() ERC20("USD Coin", "USDC") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
