// Every page: durations as clocks, a confirmation before deleting a track.
import { enhance } from "./lib/enhance.js";

enhance(document);
