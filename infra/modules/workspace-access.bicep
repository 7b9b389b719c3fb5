// Lets GreenLight's identity manage online endpoints in the workspace ("AzureML Data Scientist": endpoints,
// deployments, keys and logs; no workspace administration) and read their Azure Monitor metrics ("Monitoring Reader":
// the per-minute requests, failures and latency its rollout gates and deletion previews show).
//
// Both are scoped to the workspace: its online endpoints are child resources, so the roles reach every endpoint,
// present and future, and nothing else of the resource group (storage, key vault, other resources' metrics).
param workspaceName string
param principalId string

var azureMlDataScientist = 'f6c7c914-8db3-469d-8ca1-694a8f32e121'
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' existing = {
  name: workspaceName
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, azureMlDataScientist)
  scope: workspace
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureMlDataScientist)
  }
}

resource metricsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, monitoringReader)
  scope: workspace
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
  }
}
