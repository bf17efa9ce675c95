import { SATURATION } from '../../harness/generator/health';

/**
 * The benches' warning when a level failed while the host of a virtual machine took over the harness's limit of
 * its CPU: `at` names the levels ("2, 4 call(s)"), and `figure`, `whose` what the host's moment stands in for.
 */
export const stolenLevelsWarning = (at: string, figure: string, whose: string): string =>
  `the host of this virtual machine took over ${SATURATION.cpuStealPctP95}% of its CPU (steal, p95) at ${at}: ` +
  `the ${figure} below is this moment's, not ${whose}. Run again when it takes none ` +
  '(`npm run --silent bench:host` tells).';
