/**
 * Chromium features the harness turns off, in the one `--disable-features` switch Chromium reads: given the
 * switch twice, it keeps only the last, so ours must also carry the list Playwright passes before it.
 */

/**
 * Playwright's own list (playwright-core's chromiumSwitches), repeated here because it is not exported.
 * `tests/unit/chromium-features.spec.ts` fails when the installed Playwright passes a name this list lacks.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * What a call's start-up does not need. A full Chromium in headless mode (Debian's) opens a window per browser
 * context, and each window loads the address bar's suggestion popups as web pages in a renderer of their own;
 * a spare renderer is kept warm for the next navigation besides. A call's page never shows the address bar and
 * navigates once. With them, a new context and page cost about 1,000 ms of CPU, 600 of them in the popups'
 * renderer; without them, 290 ms (Chromium 156). On a small machine every call in progress waited while another
 * started. Chromium builds without these features (Playwright's headless shell) ignore the names.
 */
export const HARNESS_DISABLED_FEATURES = [
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
  'SpareRendererForSitePerProcess',
];

/** The one `--disable-features` switch a harness browser is launched with: Playwright's names and ours. */
export const DISABLE_FEATURES_ARG = `--disable-features=${[
  ...new Set([...PLAYWRIGHT_DISABLED_FEATURES, ...HARNESS_DISABLED_FEATURES]),
].join(',')}`;
