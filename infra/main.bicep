// GreenLight on Azure: App Service (Linux, Node 22 LTS) running the bot under a user-assigned managed identity,
// the Azure Bot registration with the Teams channel, the identity's role on the Azure ML workspace, and optionally
// a PostgreSQL flexible server for several bot instances.
targetScope = 'resourceGroup'

@description('Short name used for every resource.')
param appName string = 'greenlight'
param location string = resourceGroup().location

@description('The Azure ML workspace GreenLight manages.')
param mlSubscriptionId string = subscription().subscriptionId
param mlResourceGroup string
param mlWorkspaceName string

@description('App Service plan SKU; B1 is enough for one team.')
param planSku string = 'B1'

@description('Instances of the bot. More than one needs PostgreSQL (createPostgres or an existing DATABASE_URL).')
@minValue(1)
param instanceCount int = 1

@description('Create a PostgreSQL flexible server for the store.')
param createPostgres bool = false
@secure()
@description('PostgreSQL administrator password (only with createPostgres).')
param postgresAdminPassword string = ''

var suffix = uniqueString(resourceGroup().id, appName)
var webAppName = '${appName}-${suffix}'
var databaseUrl = createPostgres
  ? 'postgres://greenlight:${postgresAdminPassword}@${postgres.outputs.host}:5432/greenlight?sslmode=require'
  : ''

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-identity'
  location: location
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'linux'
  sku: { name: planSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      // The deployment's build (SCM_DO_BUILD_DURING_DEPLOYMENT: npm install, then npm run build) compiles src/ to dist/.
      // A 4 MB young generation (Node's default is 16) keeps the idle bot 30 MB smaller at the same throughput
      // (npm run bench).
      appCommandLine: 'node --max-semi-space-size=4 dist/main.js'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'BOT_HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8080' }
        { name: 'WEBSITES_PORT', value: '8080' }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: identity.properties.tenantId }
        // DefaultAzureCredential picks the user-assigned identity by its client id.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_SUBSCRIPTION_ID', value: mlSubscriptionId }
        { name: 'AZURE_RESOURCE_GROUP', value: mlResourceGroup }
        { name: 'AZURE_ML_WORKSPACE', value: mlWorkspaceName }
        { name: 'ROLES_FILE', value: 'config/roles.json' }
        { name: 'DATA_DIR', value: '/home/greenlight' }
        { name: 'DATABASE_URL', value: databaseUrl }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
      ]
    }
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${appName}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'GreenLight'
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: identity.properties.tenantId
    msaAppMSIResourceId: identity.id
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

module workspaceAccess 'modules/workspace-access.bicep' = {
  name: 'greenlight-workspace-access'
  scope: resourceGroup(mlSubscriptionId, mlResourceGroup)
  params: {
    workspaceName: mlWorkspaceName
    principalId: identity.properties.principalId
  }
}

module postgres 'modules/postgres.bicep' = if (createPostgres) {
  name: 'greenlight-postgres'
  params: {
    name: '${appName}-pg-${suffix}'
    location: location
    administratorPassword: postgresAdminPassword
  }
}

output botEndpoint string = 'https://${webApp.properties.defaultHostName}/api/messages'
output microsoftAppId string = identity.properties.clientId
output webAppName string = webApp.name
