{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "shopfleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart> unless the release name already contains the chart name. */}}
{{- define "shopfleet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shopfleet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "shopfleet.labels" -}}
helm.sh/chart: {{ include "shopfleet.chart" . }}
{{ include "shopfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shopfleet
{{- end }}

{{/* Labels that select the operator pods. */}}
{{- define "shopfleet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shopfleet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "shopfleet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shopfleet.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Operator image reference: digest wins over tag; tag defaults to appVersion. */}}
{{- define "shopfleet.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Namespaced rules: everything the operator reads and writes inside a shop's namespace.
     Keep in sync with the operator's needs (issue 8); no wildcards. */}}
{{- define "shopfleet.namespacedRules" -}}
- apiGroups: ["shopfleet.dev"]
  resources: ["shopinstances"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["shopfleet.dev"]
  resources: ["shopinstances/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["secrets", "configmaps", "services", "serviceaccounts", "persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs", "cronjobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses", "networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- if .Values.cloudNativePG.enabled }}
- apiGroups: ["postgresql.cnpg.io"]
  resources: ["clusters", "scheduledbackups"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- end }}
{{- if .Values.strimzi.enabled }}
- apiGroups: ["kafka.strimzi.io"]
  resources: ["kafkas", "kafkanodepools", "kafkatopics", "kafkausers"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- end }}
{{- end }}

{{/* Fail early on combinations that cannot work. */}}
{{- define "shopfleet.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: two active operators would fight over the same objects" }}
{{- end }}
{{- if and .Values.sample.enabled .Values.watchNamespaces }}
{{- if not (has (default .Release.Namespace .Values.sample.namespace) .Values.watchNamespaces) }}
{{- fail "sample.namespace (or the release namespace) must be one of watchNamespaces, or the operator will never see the sample" }}
{{- end }}
{{- end }}
{{- end }}
