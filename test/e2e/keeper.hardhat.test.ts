/** The keeper end to end against Hardhat's simulated network served in this process on 127.0.0.1. */
import { keeperEndToEnd } from "./scenarios.ts";

keeperEndToEnd("hardhat");
