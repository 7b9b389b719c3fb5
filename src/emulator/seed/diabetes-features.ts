/** The eight inputs of the sample diabetes models, in the order they were trained on. */
export const DIABETES_FEATURES = [
  "Pregnancies",
  "PlasmaGlucose",
  "DiastolicBloodPressure",
  "TricepsThickness",
  "SerumInsulin",
  "BMI",
  "DiabetesPedigree",
  "Age",
] as const;
