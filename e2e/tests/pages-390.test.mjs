// Every page of the demo at 390 px, a phone's width (see ../pages.mjs).

import { everyPage } from "../pages.mjs";
import { PHONE } from "../harness.mjs";

everyPage("390 px", PHONE);
