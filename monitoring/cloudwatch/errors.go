package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Sentinels for the failures that need a person, not a retry. Errors returned by the sink match them
// with errors.Is and keep the AWS error as their cause.
var (
	ErrAccessDenied  = errors.New("add cloudwatch:PutMetricData to the IAM role or user's policy")
	ErrNoCredentials = errors.New("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role")
)

// Error is a failed PutMetricData request. Its message is stable from one attempt to the next (no
// request IDs), so that a backend that stays down is reported once.
type Error struct {
	Code string // the AWS error code, such as "AccessDenied" or "Throttling"; "" for others
	Kind error  // ErrAccessDenied, ErrNoCredentials, or nil
	Err  error  // the AWS SDK's error
}

// Error returns the stable message: the AWS error code and what to do, without request IDs.
func (e *Error) Error() string {
	switch {
	case e.Kind != nil && e.Code != "":
		return fmt.Sprintf("cloudwatch: put metric data: %s: %v", e.Code, e.Kind)
	case e.Kind != nil:
		return fmt.Sprintf("cloudwatch: put metric data: %v", e.Kind)
	case e.Code != "":
		var apiErr smithy.APIError
		if errors.As(e.Err, &apiErr) {
			return fmt.Sprintf("cloudwatch: put metric data: %s: %s", e.Code, apiErr.ErrorMessage())
		}
		return fmt.Sprintf("cloudwatch: put metric data: %s", e.Code)
	}
	return fmt.Sprintf("cloudwatch: put metric data: %v", e.Err)
}

// Unwrap returns the kind and the AWS error.
func (e *Error) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Err}
}

var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"NotAuthorized": true, "InvalidClientTokenId": true, "UnrecognizedClientException": true,
	"ExpiredToken": true, "ExpiredTokenException": true, "SignatureDoesNotMatch": true,
}

var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true, "RequestThrottled": true,
	"InternalServiceError": true, "InternalServiceFault": true, "InternalFailure": true, "ServiceUnavailable": true,
}

func classify(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		if deniedCodes[code] {
			return &Error{Code: code, Kind: ErrAccessDenied, Err: err}
		}
		return &Error{Code: code, Err: err}
	}
	msg := err.Error()
	if strings.Contains(msg, "retrieve credentials") || strings.Contains(msg, "get credentials") ||
		strings.Contains(msg, "refresh cached credentials") || strings.Contains(msg, "credentials not found") {
		return &Error{Kind: ErrNoCredentials, Err: err}
	}
	return &Error{Err: err}
}

func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Kind != nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if e.Code != "" {
		if throttleCodes[e.Code] {
			return true
		}
		var re *smithyhttp.ResponseError
		return errors.As(err, &re) && re.HTTPStatusCode() >= 500
	}
	return true // a network error: the request may not have arrived
}
