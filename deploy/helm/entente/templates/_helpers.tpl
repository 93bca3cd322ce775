{{/* Labels every object of the chart carries. */}}
{{- define "entente.labels" -}}
app.kubernetes.io/name: entente
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
entente.org/nation: {{ .Values.nation | quote }}
{{- end -}}

{{/* The pod security context of every Entente pod: an unprivileged user, the image's uid. */}}
{{- define "entente.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The container security context of every Entente container. */}}
{{- define "entente.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
