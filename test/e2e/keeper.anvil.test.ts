/** The keeper end to end against anvil (@foundry-rs/anvil devDependency) started on 127.0.0.1. */
import { ALL_SCENARIOS, keeperEndToEnd } from "./scenarios.ts";

keeperEndToEnd("anvil", [...ALL_SCENARIOS, "same-timestamp", "reorg"]);
