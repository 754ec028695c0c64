/** Setup file of the vitest `bench` project: installs naspoison's matchers. */
import { installMatchers } from './matchers.js';

installMatchers();
