/** CAM method names, free of tfjs so the UI bundle can import them. */
export const CAM_METHODS = ['gradcam', 'hirescam', 'gradcampp', 'xgradcam', 'layercam'] as const;
export type CamMethod = (typeof CAM_METHODS)[number];

export const CAM_METHOD_LABELS: Record<CamMethod, string> = {
  gradcam: 'GradCAM',
  hirescam: 'HiResCAM',
  gradcampp: 'GradCAM++',
  xgradcam: 'XGradCAM',
  layercam: 'LayerCAM',
};
