/** The annotation (and WARNING line of the report) of a call whose socket went elsewhere than WS_URL. */
export const TARGET_WARNING_ANNOTATION = 'target-warning';
